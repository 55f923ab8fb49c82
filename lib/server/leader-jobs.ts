import 'server-only';

// Background jobs that run only in the process holding the collector lease are registered here
// (imported for its side effect by every entry point that may collect).
