// The AF_PACKET addon against a veth pair in a private namespace: bind, receive, send, outgoing drop, errors, close.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { canRunNetns, ensureBuilt, must, REPO, run } from './netns-lab';

const enabled = canRunNetns();
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

/** Runs a JS snippet inside the namespace with the addon loaded as `a` and ifindexes as `va`/`vb`; returns its JSON output. */
function inNs(ns: string, body: string): unknown {
  const addon = join(REPO, 'native', 'afpacket', 'build', 'Release', 'afpacket.node');
  const prelude = `const a=require(${JSON.stringify(addon)});const fs=require('fs');` +
    `const va=+fs.readFileSync('/sys/class/net/va/ifindex','utf8');const vb=+fs.readFileSync('/sys/class/net/vb/ifindex','utf8');` +
    `const out=(v)=>process.stdout.write(JSON.stringify(v));`;
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', prelude + body], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`snippet failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

d('native AF_PACKET addon', () => {
  const ns = `mlbts-l2-${process.pid}-afp`;
  beforeAll(() => {
    ensureBuilt();
    run('ip', ['netns', 'del', ns]);
    must('ip', ['netns', 'add', ns]);
    must('ip', ['-n', ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
    must('ip', ['-n', ns, 'link', 'set', 'va', 'up']);
    must('ip', ['-n', ns, 'link', 'set', 'vb', 'up']);
  }, 320_000);
  afterAll(() => {
    run('ip', ['netns', 'del', ns]);
  });

  it('delivers frames of its ethertype from the peer with pkttype, and not its own outgoing frames', () => {
    const res = inNs(
      ns,
      `const got=[];const own=[];
       const rx=a.open(va,0x0806,(f,t)=>got.push([f.length,t,f.subarray(0,6).toString('hex')]));
       const tx=a.open(vb,0x0806,()=>own.push(1));
       const bc=Buffer.alloc(60);bc.fill(0xff,0,6);bc.writeUInt16BE(0x0806,12);
       const ip=Buffer.alloc(60);ip.fill(0xff,0,6);ip.writeUInt16BE(0x0800,12);
       for(let i=0;i<5;i++){a.send(tx,bc);a.send(tx,ip);}
       setTimeout(()=>{a.close(rx);a.close(tx);out({got,own:own.length});},300);`,
    ) as { got: Array<[number, number, string]>; own: number };
    expect(res.got).toHaveLength(5);
    expect(res.got[0]).toEqual([60, 1, 'ffffffffffff']); // PACKET_BROADCAST
    expect(res.own).toBe(0); // PACKET_OUTGOING dropped
  });

  it('reports errors with errno and refuses use after close', () => {
    const res = inNs(
      ns,
      `const r={};
       try{a.open(999999,0x0806,()=>{})}catch(e){r.bad=[e.message,e.errno]}
       try{a.open(va,0x0806,'x')}catch(e){r.type=e.constructor.name}
       const h=a.open(va,0x0806,()=>{});a.close(h);a.close(h);
       try{a.send(h,Buffer.alloc(60))}catch(e){r.closed=e.message}
       try{a.send({},Buffer.alloc(60))}catch(e){r.notHandle=e.constructor.name}
       out(r);`,
    ) as Record<string, unknown>;
    expect(res.bad).toEqual([expect.stringMatching(/^bind\(AF_PACKET\): No such device/), 19]);
    expect(res.type).toBe('TypeError');
    expect(res.closed).toBe('socket is closed');
    expect(res.notHandle).toBe('TypeError');
  });

  it('lets the process exit when unref()ed', () => {
    const res = inNs(ns, `const h=a.open(va,0x0806,()=>{});a.ref(h,false);process.on('exit',()=>out({exited:true}));`);
    expect(res).toEqual({ exited: true });
  });
});
