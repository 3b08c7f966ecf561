// The AF_PACKET addon against a veth pair in a private namespace: bind, receive, send, outgoing drop, errors, close; ARP and NDP filters; the ARP answer thread.
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
    `const ipv4=(marker)=>{const f=Buffer.alloc(60);f.fill(0xff,0,6);f.writeUInt16BE(0x0800,12);f.writeUInt16BE(marker,58);return f;};`;

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

  /** JS for `req(sender, target, srcMac?)`: a broadcast ARP request with those IPv4 byte arrays; `macOf(ifname)` reads sysfs. */
  const REQUESTS =
    `const macOf=(n)=>Buffer.from(fs.readFileSync('/sys/class/net/'+n+'/address','utf8').trim().split(':').map((h)=>parseInt(h,16)));` +
    `const req=(spa,tpa,sha=macOf('vb'),op=1)=>{const f=Buffer.alloc(60);f.fill(0xff,0,6);sha.copy(f,6);f.writeUInt16BE(0x0806,12);f.writeUInt16BE(1,14);` +
    `f.writeUInt16BE(0x0800,16);f[18]=6;f[19]=4;f.writeUInt16BE(op,20);sha.copy(f,22);Buffer.from(spa).copy(f,28);Buffer.from(tpa).copy(f,38);return f;};`;

  it('answerer: replies on its own thread only for the table, reports counts, request records and claims, and stops on close', () => {
    const res = inNs(
      ns,
      REQUESTS +
        `const drains=[];const replies=[];
         const h=a.openAnswerer(va,macOf('va'),(recs,n,counts,m,lost,unsent,err)=>{
           const c=[];for(let i=0;i<m;i++)c.push([[...counts.subarray(i*12,i*12+4)].join('.'),counts.readUInt32LE(i*12+4),counts.readUInt32LE(i*12+8)]);
           const r=[];for(let i=0;i<n;i++)r.push([recs[i*44],[...recs.subarray(i*44+2+28,i*44+2+32)].join('.')]);
           drains.push({c,r,lost,unsent,err});});
         const peer=a.open(vb,0x0806,(f)=>{if(f.readUInt16BE(20)===2)replies.push({dst:f.subarray(0,6).toString('hex'),src:f.subarray(6,12).toString('hex'),sha:f.subarray(22,28).toString('hex'),spa:[...f.subarray(28,32)].join('.'),tpa:[...f.subarray(38,42)].join('.')});});
         const vip=[192,168,9,1];
         for(let i=0;i<3;i++)a.send(peer,req([10,0,0,1],vip));
         setTimeout(()=>{
           const before=replies.length;
           a.setAnswered(h,Buffer.from([...vip,192,168,9,2]));
           a.logRequests(h,true);
           for(let i=0;i<5;i++)a.send(peer,req([10,0,0,2],vip));
           a.send(peer,req([10,0,0,3],[192,168,9,3]));
           a.send(peer,req(vip,vip,Buffer.from([2,0,0,0,0,0x99])));
           setTimeout(()=>{
             a.setAnswered(h,Buffer.alloc(0));
             setTimeout(()=>{
               const mid=replies.length;
               a.send(peer,req([10,0,0,4],vip));
               const sent=a.answererSend(h,req(vip,vip,macOf('va'),2));
               setTimeout(()=>{
                 a.closeAnswerer(h);a.closeAnswerer(h);
                 let closed;try{a.setAnswered(h,Buffer.alloc(0))}catch(e){closed=e.message}
                 let bad;try{a.setAnswered({},Buffer.alloc(3))}catch(e){bad=e.constructor.name}
                 a.close(peer);
                 out({before,mid,replies,drains,sent,closed,bad,va:macOf('va').toString('hex'),vb:macOf('vb').toString('hex')});
               },300);
             },50);
           },300);
         },300);`,
    ) as {
      before: number;
      mid: number;
      replies: Array<{ dst: string; src: string; sha: string; spa: string; tpa: string }>;
      drains: Array<{ c: Array<[string, number, number]>; r: Array<[number, string]>; lost: number; unsent: number; err?: string }>;
      sent: number;
      closed: string;
      bad: string;
      va: string;
      vb: string;
    };
    expect(res.before).toBe(0); // nothing answered before the table has the IP
    const answered = res.replies.filter((r) => r.src === res.va && r.tpa === '10.0.0.2');
    expect(answered).toHaveLength(5);
    expect(answered[0]).toEqual({ dst: res.vb, src: res.va, sha: res.va, spa: '192.168.9.1', tpa: '10.0.0.2' });
    expect(res.replies.some((r) => r.tpa === '10.0.0.3' || r.tpa === '10.0.0.4')).toBe(false); // not in the table / table emptied
    expect(res.mid).toBe(6); // 5 requests + the claiming request (sender IP = VIP from another MAC: answered and reported)
    expect(res.replies.slice(res.mid)).toEqual([{ dst: 'ffffffffffff', src: res.va, sha: res.va, spa: '192.168.9.1', tpa: '192.168.9.1' }]); // table emptied: only our gratuitous reply
    expect(res.sent).toBe(60);
    // The claiming frame asks for the VIP too: answered, counted and reported.
    const counts = res.drains.flatMap((d) => d.c);
    expect(counts.filter(([ip]) => ip === '192.168.9.1').reduce((n, [, rx, tx]) => [n[0] + rx, n[1] + tx], [0, 0])).toEqual([6, 6]);
    const records = res.drains.flatMap((d) => d.r);
    expect(records.filter(([kind]) => kind === 1)).toHaveLength(6); // answered, with request logging on
    expect(records.filter(([kind]) => kind === 2)).toEqual([[2, '192.168.9.1']]); // the claim
    expect(res.drains.every((d) => d.lost === 0 && d.unsent === 0)).toBe(true);
    expect(res.closed).toBe('ARP answerer is closed');
    expect(res.bad).toBe('TypeError');
  });

  it('answerer with answerIp and yieldOnClaim (handover): a claimed IP is not answered from the claiming frame on; other IPs still are', () => {
    const res = inNs(
      ns,
      REQUESTS +
        `const replies=[];const claims=[];
         const h=a.openAnswerer(va,macOf('va'),(recs,n)=>{for(let i=0;i<n;i++)if(recs[i*44]===2)claims.push([...recs.subarray(i*44+30,i*44+34)].join('.'));});
         const peer=a.open(vb,0x0806,(f)=>{if(f.readUInt16BE(20)===2)replies.push([...f.subarray(28,32)].join('.')+'>'+[...f.subarray(38,42)].join('.'));});
         const v1=[192,168,9,1],v2=[192,168,9,2];
         a.answerIp(h,Buffer.from(v1),true);a.answerIp(h,Buffer.from([9,9,9,9]),true);a.answerIp(h,Buffer.from(v2),true);a.answerIp(h,Buffer.from([9,9,9,9]),false);a.yieldOnClaim(h,true);
         a.send(peer,req([10,0,0,1],v1));
         setTimeout(()=>{
           a.send(peer,req(v1,v1,Buffer.from([2,0,0,0,0,0x99])));
           setTimeout(()=>{
             a.send(peer,req([10,0,0,2],v1));a.send(peer,req([10,0,0,3],v2));a.send(peer,req([10,0,0,4],[9,9,9,9]));
             setTimeout(()=>{a.closeAnswerer(h);a.close(peer);out({replies,claims});},200);
           },100);
         },100);`,
    ) as { replies: string[]; claims: string[] };
    expect(res.claims).toEqual(['192.168.9.1']);
    expect(res.replies).toEqual(['192.168.9.1>10.0.0.1', '192.168.9.2>10.0.0.3']);
  });

  it('answerer: idle while its link is down (no error loop), answering again once it is up', () => {
    const res = inNs(
      ns,
      REQUESTS +
        `const {execFileSync}=require('child_process');
         const cpu=()=>{for(const t of fs.readdirSync('/proc/self/task')){if(fs.readFileSync('/proc/self/task/'+t+'/comm','utf8').trim()==='arp-answerer'){const x=fs.readFileSync('/proc/self/task/'+t+'/stat','utf8');const f=x.slice(x.lastIndexOf(')')+2).split(' ');return +f[11]+ +f[12];}}};
         const h=a.openAnswerer(va,macOf('va'),()=>{});a.answerIp(h,Buffer.from([192,168,9,1]),true);
         let replies=0;const peer=a.open(vb,0x0806,(f)=>{if(f.readUInt16BE(20)===2)replies++;});
         a.send(peer,req([10,0,0,1],[192,168,9,1]));
         setTimeout(()=>{const before=replies;execFileSync('ip',['link','set','va','down']);const c0=cpu();
           setTimeout(()=>{const down=cpu()-c0;execFileSync('ip',['link','set','va','up']);
             setTimeout(()=>{a.send(peer,req([10,0,0,2],[192,168,9,1]));
               setTimeout(()=>{a.closeAnswerer(h);a.close(peer);out({before,after:replies,down});},300);},1500);
           },1000);
         },300);`,
    ) as { before: number; after: number; down: number };
    expect(res.before).toBe(1);
    expect(res.after).toBe(2);
    expect(res.down).toBeLessThan(10); // clock ticks in 1 s: a thread spinning on POLLERR would use ~100
  });

  it('answerer: lets the process exit when unref()ed, and exits after close while referenced', () => {
    const unref = inNs(ns, `const h=a.openAnswerer(va,Buffer.alloc(6),()=>{});a.refAnswerer(h,false);process.on('exit',()=>out({exited:true}));`);
    expect(unref).toEqual({ exited: true });
    const closed = inNs(ns, `const h=a.openAnswerer(va,Buffer.alloc(6),()=>{});setTimeout(()=>a.closeAnswerer(h),50);process.on('exit',()=>out({exited:true}));`);
    expect(closed).toEqual({ exited: true });
  });

  it('ndpOnly: the kernel filter passes only NS/NA with hop limit 255; NdpSocket hands them on with their source', () => {
    const codec = join(REPO, 'dist', 'plugins', 'layer2', 'codec', 'index.js');
    const ndpMod = join(REPO, 'dist', 'plugins', 'layer2', 'ndp-socket.js');
    const res = inNs(
      ns,
      `const c=require(${JSON.stringify(codec)});const {NdpSocket}=require(${JSON.stringify(ndpMod)});
       const vbMac=fs.readFileSync('/sys/class/net/vb/address','utf8').trim();
       const ns=(target)=>c.encodeNdp({type:135,target,options:[c.llaOption(1,vbMac)]});
       const frame=(hop,msg,src='fe80::1')=>c.encodeIcmpv6Frame({ethDst:'33:33:ff:00:00:01',ethSrc:vbMac,src,dst:'ff02::1:ff00:1',hopLimit:hop,message:msg});
       const echo=Buffer.from([128,0,0,0,0,1,0,1]);
       const filtered=[];const sock=[];
       const rx=a.open(va,0x86dd,(f)=>filtered.push(c.decodeIcmpv6Frame(f).message[0]+'/'+f[21]),{ndpOnly:true});
       const nd=new NdpSocket({name:'va',ifindex:va,mac:fs.readFileSync('/sys/class/net/va/address','utf8').trim()},(m,src)=>sock.push([c.decodeNdp(m).target,src]));
       const tx=a.open(vb,0x86dd,()=>{});
       const na=c.encodeNdp({type:136,router:false,solicited:false,override:true,target:'fd00::2',options:[c.llaOption(2,vbMac)]});
       for(const f of [frame(255,ns('fd00::1')),frame(64,ns('fd00::3')),frame(255,na),frame(255,echo),frame(1,na)])a.send(tx,f);
       let bad;try{a.open(va,0x86dd,()=>{},{ndpOnly:true,arpOnly:true})}catch(e){bad=e.constructor.name}
       setTimeout(()=>{a.close(rx);a.close(tx);nd.close();out({filtered,sock,bad});},300);`,
    ) as { filtered: string[]; sock: Array<[string, string]>; bad: string };
    expect(res.filtered).toEqual(['135/255', '136/255']);
    expect(res.sock).toEqual([
      ['fd00::1', 'fe80::1'],
      ['fd00::2', 'fe80::1'],
    ]);
    expect(res.bad).toBe('TypeError');
  });

  it('answerer: a worker thread that ends without closing it takes the answer thread with it (N-API finalizes the handle at teardown)', () => {
    const addon = join(REPO, 'native', 'afpacket', 'build', 'Release', 'afpacket.node');
    const res = inNs(
      ns,
      `const {Worker}=require('worker_threads');
       const threads=()=>fs.readdirSync('/proc/self/task').filter((t)=>fs.readFileSync('/proc/self/task/'+t+'/comm','utf8').trim()==='arp-answerer').length;
       const w=new Worker("const {workerData:d,parentPort:p}=require('worker_threads');const a=require(d.addon);a.openAnswerer(d.va,Buffer.alloc(6),()=>{});p.postMessage('open');",{eval:true,workerData:{addon:${JSON.stringify(addon)},va}});
       w.on('message',()=>{const during=threads();w.terminate().then(()=>setTimeout(()=>out({during,after:threads()}),100));});`,
    ) as { during: number; after: number };
    expect(res).toEqual({ during: 1, after: 0 });
  });

  it('lets the process exit when unref()ed', () => {
    const res = inNs(ns, `const h=a.open(va,0x0806,()=>{});a.ref(h,false);process.on('exit',()=>out({exited:true}));`);
    expect(res).toEqual({ exited: true });
  });
});
