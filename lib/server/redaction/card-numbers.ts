// Card-like numbers anywhere in a text: 13–19 digits, unbroken or in the groups printed on cards
// (4-4-4-4[-3], Amex 4-6-5), starting with an issuer digit (2–6: Mastercard, Amex, Visa, Discover,
// UnionPay…) and Luhn-valid. Epoch times (s, ms, µs, ns all start with 1 until 2033), snowflake ids
// starting with 1, digits after a decimal point and parts of longer tokens (UUIDs, hex) are left alone.

const CANDIDATE = /(?<![\w.-])(?:\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})(?![\w-]|\.\d)/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export function isCardNumber(text: string): boolean {
  const digits = text.replace(/[ -]/g, '');
  return digits.length >= 13 && digits.length <= 19 && /^[2-6]\d+$/.test(digits) && luhnValid(digits);
}

/** The text with every card-like number replaced by `mask`. */
export function maskCardNumbers(text: string, mask: string): string {
  return /\d{4}/.test(text) ? text.replace(CANDIDATE, (m) => (isCardNumber(m) ? mask : m)) : text;
}
