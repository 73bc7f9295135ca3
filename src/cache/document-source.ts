/** Validators of a cached document, sent upstream to revalidate it. */
export interface ConditionalHeaders {
  readonly ifModifiedSince?: string | null | undefined;
  readonly ifNoneMatch?: string | null | undefined;
  readonly requestId?: string | undefined;
}

/** A metadata document as the upstream answered it, read whole. */
export interface UpstreamDocument {
  readonly status: number;
  readonly body: Buffer;
  readonly lastModified: string | null;
  readonly etag: string | null;
  readonly contentType: string | null;
  readonly durationMs: number;
}

/** Where the document cache fetches what it lacks (the upstream client). */
export interface DocumentSource {
  fetchDocument(url: URL, conditional?: ConditionalHeaders): Promise<UpstreamDocument>;
}
