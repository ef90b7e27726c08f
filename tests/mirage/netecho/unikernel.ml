(* A small Mirage network unikernel: ARP, ICMP echo and UDP echo (port 7) on
   one NIC, through mirage-net-solo5's Netif exactly as released. Every
   frame it answers has its IPv4, ICMP and UDP checksums checked first (a
   frame that fails counts as bad and gets no answer), so corruption on the
   way in shows up here and corruption on the way out shows up at the
   sender. A UDP datagram "quit" to port 9 stops it: it prints its counters
   and exits 0. The replies are written in place into Netif.write's buffer,
   one Netif.write per frame, as a Mirage stack does. *)

open Lwt.Infix

type counters = {
  mutable arp : int;  (** ARP requests answered *)
  mutable icmp : int;  (** echo requests answered *)
  mutable udp : int;  (** UDP datagrams echoed *)
  mutable bad : int;  (** frames with a bad length or checksum *)
  mutable other : int;  (** frames for someone else, or not ours to answer *)
  mutable tx_errors : int;  (** Netif.write errors *)
}

let counters () = { arp = 0; icmp = 0; udp = 0; bad = 0; other = 0; tx_errors = 0 }

let pp_counters ppf c =
  Format.fprintf ppf "arp=%d icmp=%d udp=%d bad=%d other=%d tx_errors=%d" c.arp c.icmp c.udp
    c.bad c.other c.tx_errors

module BE = Cstruct.BE

(* RFC 1071 sums: the 16-bit ones' complement sum of [len] bytes at [off]. *)
let sum ?(init = 0) buf off len =
  let s = ref init and i = ref 0 in
  while !i + 1 < len do
    s := !s + BE.get_uint16 buf (off + !i);
    i := !i + 2
  done;
  if len land 1 = 1 then s := !s + (Cstruct.get_uint8 buf (off + len - 1) lsl 8);
  !s

let rec fold s = if s > 0xffff then fold ((s land 0xffff) + (s lsr 16)) else s
let checksum ?init buf off len = lnot (fold (sum ?init buf off len)) land 0xffff

(* the pseudo-header of a UDP datagram of [ulen] bytes in frame [f] *)
let pseudo f ulen = sum f 26 8 + 17 + ulen

type t = {
  net : Netif.t;
  mac : string;  (** our MAC, 6 bytes *)
  ip : int32;
  c : counters;
  quit : unit Lwt.u;
}

let reply t ~size fill =
  Netif.write t.net ~size (fun buf ->
      fill buf;
      size)
  >|= function
  | Ok () -> ()
  | Error _ -> t.c.tx_errors <- t.c.tx_errors + 1

(* Ethernet header of a reply to frame [f]: back to its sender, from us. *)
let eth_reply t f buf ethertype =
  Cstruct.blit f 6 buf 0 6;
  Cstruct.blit_from_string t.mac 0 buf 6 6;
  BE.set_uint16 buf 12 ethertype

let arp t f =
  if Cstruct.length f < 42 then t.c.bad <- t.c.bad + 1
  else if
    BE.get_uint16 f 14 <> 1
    || BE.get_uint16 f 16 <> 0x0800
    || Cstruct.get_uint8 f 18 <> 6
    || Cstruct.get_uint8 f 19 <> 4
    || BE.get_uint16 f 20 <> 1
    || not (Int32.equal (BE.get_uint32 f 38) t.ip)
  then t.c.other <- t.c.other + 1
  else (
    t.c.arp <- t.c.arp + 1;
    Lwt.async (fun () ->
        reply t ~size:42 (fun buf ->
            eth_reply t f buf 0x0806;
            Cstruct.blit f 14 buf 14 6 (* hardware and protocol types, sizes *);
            BE.set_uint16 buf 20 2 (* reply *);
            Cstruct.blit_from_string t.mac 0 buf 22 6;
            BE.set_uint32 buf 28 t.ip;
            Cstruct.blit f 22 buf 32 10 (* the asker's MAC and address *))))

(* Copy the IPv4 packet of [f] (header [ihl] bytes, [total] bytes in all)
   into [buf] as a reply: addresses swapped, a fresh TTL and checksum. *)
let ip_reply t f buf ~ihl ~total =
  eth_reply t f buf 0x0800;
  Cstruct.blit f 14 buf 14 total;
  Cstruct.blit f 30 buf 26 4;
  Cstruct.blit f 26 buf 30 4;
  Cstruct.set_uint8 buf 22 64;
  BE.set_uint16 buf 24 0;
  BE.set_uint16 buf 24 (checksum buf 14 ihl)

let icmp t f ~ihl ~total =
  let off = 14 + ihl and len = total - ihl in
  if len < 8 || Cstruct.get_uint8 f off <> 8 || Cstruct.get_uint8 f (off + 1) <> 0 then
    t.c.other <- t.c.other + 1
  else if fold (sum f off len) <> 0xffff then t.c.bad <- t.c.bad + 1
  else (
    t.c.icmp <- t.c.icmp + 1;
    Lwt.async (fun () ->
        reply t ~size:(14 + total) (fun buf ->
            ip_reply t f buf ~ihl ~total;
            Cstruct.set_uint8 buf off 0 (* echo reply *);
            BE.set_uint16 buf (off + 2) 0;
            BE.set_uint16 buf (off + 2) (checksum buf off len))))

let udp t f ~ihl ~total =
  let off = 14 + ihl in
  let ulen = if total - ihl >= 8 then BE.get_uint16 f (off + 4) else 0 in
  if ulen < 8 || ulen > total - ihl then t.c.bad <- t.c.bad + 1
  else if BE.get_uint16 f (off + 6) <> 0 && fold (sum ~init:(pseudo f ulen) f off ulen) <> 0xffff
  then t.c.bad <- t.c.bad + 1
  else
    match BE.get_uint16 f (off + 2) with
    | 7 ->
        t.c.udp <- t.c.udp + 1;
        Lwt.async (fun () ->
            reply t ~size:(14 + total) (fun buf ->
                ip_reply t f buf ~ihl ~total;
                Cstruct.blit f off buf (off + 2) 2;
                Cstruct.blit f (off + 2) buf off 2;
                BE.set_uint16 buf (off + 6) 0;
                let c = checksum ~init:(pseudo buf ulen) buf off ulen in
                BE.set_uint16 buf (off + 6) (if c = 0 then 0xffff else c)))
    | 9 when Cstruct.to_string (Cstruct.sub f (off + 8) (ulen - 8)) = "quit" ->
        Lwt.wakeup_later t.quit ()
    | _ -> t.c.other <- t.c.other + 1

let ipv4 t f =
  let len = Cstruct.length f in
  let vihl = if len >= 34 then Cstruct.get_uint8 f 14 else 0 in
  let ihl = (vihl land 0xf) * 4 in
  let total = if len >= 34 then BE.get_uint16 f 16 else 0 in
  if vihl lsr 4 <> 4 || ihl < 20 || total < ihl || 14 + total > len then t.c.bad <- t.c.bad + 1
  else if fold (sum f 14 ihl) <> 0xffff then t.c.bad <- t.c.bad + 1
  else if (not (Int32.equal (BE.get_uint32 f 30) t.ip)) || BE.get_uint16 f 20 land 0x3fff <> 0
  then t.c.other <- t.c.other + 1 (* not ours, or a fragment *)
  else
    match Cstruct.get_uint8 f 23 with
    | 1 -> icmp t f ~ihl ~total
    | 17 -> udp t f ~ihl ~total
    | _ -> t.c.other <- t.c.other + 1

let input t f =
  (if Cstruct.length f < 14 then t.c.bad <- t.c.bad + 1
   else
     match BE.get_uint16 f 12 with
     | 0x0806 -> arp t f
     | 0x0800 -> ipv4 t f
     | _ -> t.c.other <- t.c.other + 1);
  Lwt.return_unit

(* "a.b.c.d" *)
let ipv4_of_string s =
  match List.map int_of_string_opt (String.split_on_char '.' s) with
  | [ Some a; Some b; Some c; Some d ] when List.for_all (fun x -> x >= 0 && x < 256) [ a; b; c; d ]
    ->
      Some Int32.(logor (shift_left (of_int a) 24) (of_int ((b lsl 16) lor (c lsl 8) lor d)))
  | _ -> None

let start ~ip net =
  let stop, quit = Lwt.wait () in
  let mac = Macaddr.to_octets (Netif.mac net) in
  let t = { net; mac; ip; c = counters (); quit } in
  Printf.printf "netecho: ready mac %s mtu %d\n%!" (Macaddr.to_string (Netif.mac net)) (Netif.mtu net);
  Lwt.pick
    [
      (Netif.listen net ~header_size:14 (input t) >|= function
       | Ok () -> Printf.printf "netecho: listen ended\n%!"
       | Error e -> Format.printf "netecho: listen failed: %a@." Netif.pp_error e);
      stop;
    ]
  >|= fun () -> Format.printf "netecho: %a@." pp_counters t.c
