/** s3rver as the MinIO/S3 server of the backup tests (path-style, credentials S3RVER/S3RVER). */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createS3Client } from '../../src/backup/destination-s3.ts';
import { makeTempDir } from './cleanup.ts';

export interface S3Server {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  client: S3Client;
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3(buckets: string[]): Promise<S3Server> {
  const dir = makeTempDir('s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = createS3Client({
    endpoint,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    client,
    async put(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async stop() {
      client.destroy();
      await server.close().catch(() => {});
      dir.remove();
    },
  };
}
