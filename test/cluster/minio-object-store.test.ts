/** The shared ObjectStore contract, run against MinioObjectStore talking to the real MinIO server. */
import { runObjectStoreContract } from '@autolabs/common/object-store/object-store.contract';
import { MinioObjectStore } from '@autolabs/common/object-store/minio-object-store';
import { clusterEnv } from './cluster-env';

runObjectStoreContract('MinioObjectStore on a real MinIO server', async () => {
  const env = clusterEnv();
  return new MinioObjectStore({
    endpoint: env.s3Endpoint,
    accessKey: env.s3AccessKey,
    secretKey: env.s3SecretKey,
    region: 'us-east-1',
  });
});
