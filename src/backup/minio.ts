import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Destination, Staging } from './destination.ts';
import { BackupError } from './errors.ts';
import type { TargetContext } from './process.ts';
import { MANIFEST, verifyMirror } from './verify.ts';

export interface MinioOptions {
  client: S3Client;
  endpoint: string;
  bucket: string;
  concurrency: number;
  /** The last good mirror's key in the destination (for reuse by ETag). */
  previousKey?: string;
}

export interface MinioOutcome {
  bytes: number;
  sha256: string;
  verification: string;
  details: { objects: number; bytes: number; downloaded: number; reused: number };
}

interface Manifest {
  bucket: string;
  objects: Record<string, { etag: string; size: number }>;
}

interface SourceObject {
  key: string;
  etag: string;
  size: number;
}

async function listSource(opts: MinioOptions): Promise<SourceObject[]> {
  const out: SourceObject[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await opts.client.send(
        new ListObjectsV2Command({ Bucket: opts.bucket, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/')) continue;
        out.push({ key: o.Key, etag: (o.ETag ?? '').replace(/"/g, ''), size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    const e = err as { name?: string; message: string; code?: string };
    const why =
      e.name === 'NoSuchBucket'
        ? 'no such bucket'
        : e.code === 'ECONNREFUSED'
          ? 'connection refused'
          : e.message || e.name;
    throw new BackupError(`cannot list MinIO bucket ${opts.bucket} at ${opts.endpoint}: ${why}`);
  }
  return out;
}

async function readManifest(
  destination: Destination,
  key: string | undefined,
): Promise<Manifest | undefined> {
  if (!key) return undefined;
  try {
    const chunks: Buffer[] = [];
    for await (const c of await destination.read(`${key}/${MANIFEST}`)) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/** Runs `fn` over items with at most `n` at a time; the first failure stops the rest. */
async function eachLimit<T>(
  items: T[],
  n: number,
  signal: AbortSignal,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal.throwIfAborted();
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/**
 * `mc mirror` done by the bot: every object of the bucket into a dated folder of the destination.
 * Objects whose ETag and size match the previous mirror's manifest are linked/copied from it instead
 * of downloaded again. Verified by counting the stored objects and bytes; the manifest is written last.
 */
export async function backupMinio(
  ctx: TargetContext,
  staging: Staging,
  destination: Destination,
  opts: MinioOptions,
): Promise<MinioOutcome> {
  const objects = await listSource(opts);
  const previous = await readManifest(destination, opts.previousKey);
  const manifest: Manifest = { bucket: opts.bucket, objects: {} };
  let bytes = 0;
  let downloaded = 0;
  let reused = 0;
  await eachLimit(objects, opts.concurrency, ctx.signal, async (o) => {
    const before = previous?.objects[o.key];
    if (opts.previousKey && before && before.etag === o.etag && before.size === o.size) {
      const ok = await staging.reuse(`${opts.previousKey}/${o.key}`, o.key).then(
        () => true,
        () => false,
      );
      if (ok) {
        reused++;
        bytes += o.size;
        manifest.objects[o.key] = { etag: o.etag, size: o.size };
        return;
      }
    }
    const res = await opts.client.send(new GetObjectCommand({ Bucket: opts.bucket, Key: o.key }));
    const body =
      res.Body instanceof Readable ? res.Body : Readable.from(res.Body as AsyncIterable<Uint8Array>);
    const put = await staging.put(o.key, body);
    downloaded++;
    bytes += put.bytes;
    manifest.objects[o.key] = { etag: (res.ETag ?? o.etag).replace(/"/g, ''), size: put.bytes };
  });
  await verifyMirror(staging, { objects: objects.length, bytes });
  const written = await staging.put(MANIFEST, Readable.from([Buffer.from(JSON.stringify(manifest))]));
  return {
    bytes,
    sha256: written.sha256,
    verification: `${objects.length} objects / ${bytes} bytes match the bucket`,
    details: { objects: objects.length, bytes, downloaded, reused },
  };
}
