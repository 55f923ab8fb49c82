// How a task id appears inside the store: index members and document keys. A canonical UUID (what
// Celery generates) becomes its 16 bytes in base64url (22 characters instead of 36, which moves
// each sorted-set member and key into a smaller allocation class); any other id is kept verbatim
// behind "!", so the two forms can never collide.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function toRef(id: string): string {
  return UUID.test(id) ? Buffer.from(id.replace(/-/g, ''), 'hex').toString('base64url') : `!${id}`;
}

export function fromRef(ref: string): string {
  if (ref.startsWith('!')) return ref.slice(1);
  const hex = Buffer.from(ref, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
