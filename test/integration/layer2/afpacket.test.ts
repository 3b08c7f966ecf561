// The AF_PACKET addon against a veth pair in a private namespace: bind, receive, send, outgoing drop, errors, close; ARP filter, batches, sendmmsg.
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
    // No IPv6 chatter (RS, MLD) on the pair: the ETH_P_ALL sockets below see only our frames.
    run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.va.disable_ipv6=1', 'net.ipv6.conf.vb.disable_ipv6=1']);
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

  /** JS that builds an Ethernet/ARP frame `arp(op, marker, htype=1)` with `marker` in the padding, and `ipv4(marker)`. */
  const FRAMES =
    `const arp=(op,marker,htype=1)=>{const f=Buffer.alloc(60);f.fill(0xff,0,6);f.writeUInt16BE(0x0806,12);f.writeUInt16BE(htype,14);` +
    `f.writeUInt16BE(0x0800,16);f[18]=6;f[19]=4;f.writeUInt16BE(op,20);f.writeUInt16BE(marker,58);return f;};` +
    `const ipv4=(marker)=>{const f=Buffer.alloc(60);f.fill(0xff,0,6);f.writeUInt16BE(0x0800,12);f.writeUInt16BE(marker,58);return f;};` +
    `const records=(buf,count)=>{const out=[];let o=0;for(let i=0;i<count;i++){const len=buf[o]|(buf[o+1]<<8);out.push([buf.readUInt16BE(o+4+58),buf[o+2],len]);o+=4+len;}return out;};`;

  it('arpOnly: the kernel filter passes only Ethernet/IPv4 ARP requests and replies (an unfiltered socket sees the rest)', () => {
    const res = inNs(
      ns,
      FRAMES +
        `const all=[];const only=[];
         const rxAll=a.open(va,0x0003,(f)=>all.push(f.readUInt16BE(58)));
         const rxArp=a.open(va,0x0003,(f)=>only.push(f.readUInt16BE(58)),{arpOnly:true});
         const tx=a.open(vb,0x0806,()=>{});
         for(const f of [arp(1,1),arp(2,2),ipv4(3),arp(1,4,6),arp(3,5)])a.send(tx,f);
         setTimeout(()=>{a.close(rxAll);a.close(rxArp);a.close(tx);out({all,only});},300);`,
    ) as { all: number[]; only: number[] };
    expect(res.all).toEqual([1, 2, 3, 4, 5]); // request, reply, IPv4, ARP over htype 6, ARP op 3
    expect(res.only).toEqual([1, 2]);
  });

  it('batch: N frames sent with sendMany arrive as N records in order, at most `batch` per call', () => {
    const res = inNs(
      ns,
      FRAMES +
        `const calls=[];const got=[];
         const rx=a.open(va,0x0806,(buf,count)=>{calls.push(count);got.push(...records(buf,count));},{batch:16,arpOnly:true});
         const tx=a.open(vb,0x0806,()=>{});
         const frames=Array.from({length:100},(_,i)=>arp(1,i));
         const sent=a.sendMany(tx,frames);
         let bad;try{a.sendMany(tx,[Buffer.alloc(60),'x'])}catch(e){bad=e.constructor.name}
         let badOpt;try{a.open(va,0x0806,()=>{},{batch:1000})}catch(e){badOpt=e.constructor.name}
         setTimeout(()=>{a.close(rx);a.close(tx);out({sent,calls,got,bad,badOpt});},300);`,
    ) as { sent: number; calls: number[]; got: Array<[number, number, number]>; bad: string; badOpt: string };
    expect(res.sent).toBe(100);
    expect(res.got.map((r) => r[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(res.got.every(([, type, len]) => type === 1 && len === 60)).toBe(true); // PACKET_BROADCAST, whole frame
    expect(Math.max(...res.calls)).toBeLessThanOrEqual(16);
    expect(res.calls.reduce((x, y) => x + y, 0)).toBe(100);
    expect(res.calls.length).toBeLessThan(100); // batched, not one call per frame
    expect(res.bad).toBe('TypeError');
    expect(res.badOpt).toBe('TypeError');
  });

  it('PacketSocket batch mode: replies queued while a batch is dispatched go out after it with one sendmmsg, in order', () => {
    const mod = join(REPO, 'dist', 'plugins', 'layer2', 'afpacket.js');
    const res = inNs(
      ns,
      FRAMES +
        `const {PacketSocket}=require(${JSON.stringify(mod)});
         const echoed=[];const batches=[];let singles=0;
         const peer=new PacketSocket(vb,0x0806,(f)=>echoed.push(f.readUInt16BE(58)),{batch:8,arpOnly:true});
         const sock=new PacketSocket(va,0x0806,(f)=>sock.queue(arp(2,1000+f.readUInt16BE(58))),{batch:8,arpOnly:true});
         for(let i=0;i<20;i++)peer.send(arp(1,i));
         const P=PacketSocket.prototype,flush=P.flush,send=P.send;
         P.flush=function(){if(this.pending.length)batches.push(this.pending.length);return flush.call(this)};
         P.send=function(f){singles++;return send.call(this,f)};
         setTimeout(()=>{sock.close();peer.close();out({echoed,batches,singles});},400);`,
    ) as { echoed: number[]; batches: number[]; singles: number };
    expect(res.echoed).toEqual(Array.from({ length: 20 }, (_, i) => 1000 + i));
    expect(res.singles).toBe(0);
    expect(res.batches.reduce((x, y) => x + y, 0)).toBe(20);
    expect(Math.max(...res.batches)).toBeLessThanOrEqual(8);
    expect(res.batches.length).toBeLessThan(20);
  });

  it('lets the process exit when unref()ed', () => {
    const res = inNs(ns, `const h=a.open(va,0x0806,()=>{});a.ref(h,false);process.on('exit',()=>out({exited:true}));`);
    expect(res).toEqual({ exited: true });
  });
});
