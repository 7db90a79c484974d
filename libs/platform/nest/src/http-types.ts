// The few Express request/response members the platform touches (no @types/express in the workspace).

export interface HttpRequest {
  method: string;
  url: string;
  originalUrl?: string;
  path?: string;
  route?: { path?: unknown };
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string | undefined };
}

export interface HttpResponse {
  statusCode: number;
  headersSent: boolean;
  writableFinished?: boolean;
  setHeader(name: string, value: string | number): unknown;
  getHeader(name: string): unknown;
  status(code: number): HttpResponse;
  json(body: unknown): unknown;
  on(event: 'finish' | 'close', listener: () => void): unknown;
}

export type NextFunction = (error?: unknown) => void;
