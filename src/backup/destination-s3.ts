import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { DestinationSettings } from './config.ts';
import type { Destination, Staging, StoredObject } from './destination.ts';
import { DestinationError } from './errors.ts';
import { Digest } from './streams.ts';

type S3Settings = Extract<DestinationSettings, { type: 's3' }>;

/** An S3 client for MinIO or S3 (path-style by default, as MinIO wants). */
export function createS3Client(opts: {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): S3Client {
  return new S3Client({
    endpoint: opts.endpoint,
    region: opts.region ?? 'us-east-1',
    forcePathStyle: opts.forcePathStyle ?? true,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: 3,
  });
}

/** Every object under a prefix (paginated). */
export async function listAll(client: S3Client, bucket: string, prefix: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key) out.push({ key: o.Key.slice(prefix.length), size: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

async function deleteKeys(client: S3Client, bucket: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
}

function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Backups as objects in a bucket (`backup.destination: { type: s3, bucket, prefix }`). Uploads are
 * multipart and streamed (a few parts in memory at most); an upload that is interrupted leaves no
 * object. A folder backup (the MinIO mirror) is written in place and removed if it fails; only the
 * history row makes it count.
 */
export class S3Destination implements Destination {
  readonly kind = 's3';
  readonly client: S3Client;
  private readonly base: string;

  constructor(private readonly settings: S3Settings) {
    this.client = createS3Client(settings);
    this.base = settings.prefix ? `${settings.prefix}/` : '';
  }

  private full(key: string): string {
    return `${this.base}${key}`;
  }

  locate(key: string): string {
    return `s3://${this.settings.bucket}/${this.full(key)}`;
  }

  async check(): Promise<void> {
    const { bucket } = this.settings;
    const probe = this.full(`.write-test-${randomBytes(4).toString('hex')}`);
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
      // An empty body with its length given: without a Content-Length header the SDK warns (once
      // per request) about a stream of unknown length.
      await this.client.send(
        new PutObjectCommand({ Bucket: bucket, Key: probe, Body: new Uint8Array(0), ContentLength: 0 }),
      );
      await deleteKeys(this.client, bucket, [probe]);
    } catch (err) {
      const e = err as { name?: string; message: string };
      throw new DestinationError(
        `backup bucket s3://${bucket} (${this.settings.endpoint ?? 'AWS'}) is not writable: ${e.name === 'NotFound' ? 'no such bucket' : e.message || e.name}`,
      );
    }
  }

  async stage(key: string): Promise<Staging> {
    const { bucket } = this.settings;
    const client = this.client;
    const full = (k: string) => this.full(k);
    const at = (name: string) => full(name ? `${key}/${name}` : key);
    const written: string[] = [];
    return {
      async put(name, body, onProgress) {
        const digest = new Digest(onProgress);
        const pass = new PassThrough();
        body.on('error', (err) => pass.destroy(err));
        body.pipe(digest).pipe(pass);
        const Key = at(name);
        written.push(Key);
        const upload = new Upload({
          client,
          params: { Bucket: bucket, Key, Body: pass },
          queueSize: 2,
          partSize: 8 * 1024 * 1024,
          leavePartsOnError: false,
        });
        await upload.done();
        return { bytes: digest.bytes, sha256: digest.hex() };
      },
      async reuse(fromKey, name) {
        const Key = at(name);
        written.push(Key);
        await client.send(
          new CopyObjectCommand({ Bucket: bucket, Key, CopySource: copySource(bucket, full(fromKey)) }),
        );
      },
      async read(name) {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: at(name) }));
        return res.Body as Readable;
      },
      list: () => listAll(client, bucket, `${this.full(key)}/`),
      async commit() {},
      async discard() {
        await deleteKeys(client, bucket, written).catch(() => {});
      },
    };
  }

  async read(key: string): Promise<Readable> {
    const res = await this.client.send(
      new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.full(key) }),
    );
    return res.Body instanceof Readable ? res.Body : Readable.from(res.Body as AsyncIterable<Uint8Array>);
  }

  async remove(key: string): Promise<void> {
    const { bucket } = this.settings;
    const folder = await listAll(this.client, bucket, `${this.full(key)}/`);
    await deleteKeys(this.client, bucket, [
      this.full(key),
      ...folder.map((o) => `${this.full(key)}/${o.key}`),
    ]);
  }

  async clearPartials(): Promise<number> {
    // Nothing is written under a temporary name here: interrupted runs are removed by their history row.
    return 0;
  }
}
