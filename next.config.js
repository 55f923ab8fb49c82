// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // ioredis and pino are Node libraries; keep them out of the server bundle.
  serverExternalPackages: ['ioredis', 'pino'],
};

module.exports = nextConfig;
