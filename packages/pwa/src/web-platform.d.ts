// Shared modules run in the page, the service worker and Node, so they type-check against lib ES2023 alone.
// The WHATWG URL API exists in all three but is not part of ES2023; this declares the part shared code uses.
declare class URLSearchParams {
  set(name: string, value: string): void;
  get(name: string): string | null;
}
declare class URL {
  constructor(url: string, base?: string | URL);
  hash: string;
  search: string;
  pathname: string;
  readonly href: string;
  readonly origin: string;
  readonly searchParams: URLSearchParams;
}
