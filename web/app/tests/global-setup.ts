// Starts a real `crema` for the browser tests: a fresh SQLite database in a temporary
// directory, the demo café (`crema seed-demo`), the built app (CREMA_APP_DIR), a free port.
// Its address reaches the tests as CREMA_URL; it is stopped (SIGTERM) after them.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function globalSetup() {
  if (process.env.CREMA_URL) return; // a server started by hand (bench/lighthouse.sh, screenshots)
  const bin = process.env.CREMA_TEST_BIN;
  if (!bin) throw new Error('CREMA_TEST_BIN must name the crema binary (ctest sets it)');
  const dir = mkdtempSync(join(tmpdir(), 'crema-web-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CREMA_DATABASE_URL: `sqlite://${dir}/crema.db`,
    CREMA_DATA_DIR: dir,
    CREMA_MEDIA_DIR: join(dir, 'media'),
    CREMA_LISTEN: '127.0.0.1:0',
    CREMA_THREADS: '2',
    CREMA_AUTH_RATE_PER_MIN: '0',
    CREMA_PUBLIC_RATE_PER_MIN: '0',
    CREMA_USER_RATE_PER_MIN: '0',
    CREMA_LOG_LEVEL: 'warn',
  };
  for (const k of Object.keys(env)) if (k.startsWith('CREMA_TEST_')) delete env[k];
  const seeded = spawnSync(bin, ['seed-demo'], { env, encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error('crema seed-demo failed: ' + seeded.stderr);

  const server = spawn(bin, ['serve'], { env: { ...env, CREMA_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (d) => (stderr += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('crema did not start: ' + stderr)), 30_000);
    const onData = (d: Buffer) => {
      buf += String(d);
      const m = /"msg":"listening".*?"address":"([^"]+)"/.exec(buf);
      if (m) {
        clearTimeout(timer);
        server.stdout.off('data', onData);
        resolve('http://' + m[1]);
      }
    };
    server.stdout.on('data', onData);
    server.on('exit', (code) => reject(new Error(`crema exited (${code}): ${stderr}`)));
  });
  server.stdout.resume();
  process.env.CREMA_URL = url;
  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
