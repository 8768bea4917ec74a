import { afterAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HashWorker } from './hashWorker';
import { suiteTempDir } from '../../../test/tempDir';

const worker = new HashWorker();
afterAll(() => worker.close());
const dir = suiteTempDir('hash');

describe('hashing worker', () => {
  it('gives the sha256 of bytes streamed in pieces and of regions read back from disk, in the order given', async () => {
    const body = randomBytes(3_000_000);
    const file = path.join(dir, 'mixed.bin');
    writeFileSync(file, body);
    const id = worker.open('sha256', body.length);
    worker.data(id, body.subarray(0, 1000));
    worker.file(id, file, 1000, 2_000_000);
    worker.data(id, body.subarray(2_000_000));
    expect(await worker.digest(id)).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it("gives git's blob id for small files, as the Hub's blobId", async () => {
    const file = path.join(dir, 'hello.txt');
    writeFileSync(file, 'hello\n');
    expect(await worker.hashFile(file, 'git-sha1', 6)).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
  });

  it('reports a file shorter than expected instead of hashing what is there', async () => {
    const file = path.join(dir, 'short.bin');
    writeFileSync(file, 'abc');
    await expect(worker.hashFile(file, 'sha256', 10)).rejects.toThrow(/ends at 3, expected 10 bytes/);
  });
});
