// Certificates for TLS tests, made with the same openssl commands docs/operations.md ("TLS") gives operators: a CA,
// a controller certificate for 127.0.0.1/localhost, and client certificates signed by the CA (a switch) or not
// (a stranger). EC P-256 keys: quick to make.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function selfSigned(dir: string, name: string): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
    '-subj',
    `/CN=${name}`,
    '-days',
    '365',
  ]);
}

async function signed(dir: string, name: string, san?: string): Promise<void> {
  await run('openssl', [
    'req',
    ...EC,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.csr`),
    '-subj',
    `/CN=${name}`,
  ]);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    join(dir, `${name}.csr`),
    '-CA',
    join(dir, 'ca.crt'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '365',
    '-extfile',
    ext,
    '-out',
    join(dir, `${name}.crt`),
  ]);
}

/** DIR/{ca,controller,switch,stranger}.{key,crt}; `stranger` is self-signed, the others chain to `ca`. */
export async function makeTestPki(dir: string): Promise<void> {
  await selfSigned(dir, 'ca');
  await signed(dir, 'controller', 'IP:127.0.0.1,DNS:localhost');
  await signed(dir, 'switch');
  await selfSigned(dir, 'stranger');
}
