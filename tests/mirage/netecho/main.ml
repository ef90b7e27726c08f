(* The unikernel's entry point, as `mirage configure -t spt|hvt` writes it for
   a unikernel with one network device: a log reporter, the device connected
   by name (mirage-net-solo5), the application started, and mirage-solo5's
   main loop until it returns. The guest's first argument is its IPv4
   address; mirage-solo5 keeps the command line for mirage-bootvar, which
   reads it through the same stub. *)

external get_cmdline : unit -> string = "mirage_solo5_get_cmdline"

let () =
  Logs.set_reporter (Logs.format_reporter ());
  Logs.set_level (Some Logs.Info);
  let ip =
    match String.split_on_char ' ' (get_cmdline ()) with
    | s :: _ -> Unikernel.ipv4_of_string s
    | [] -> None
  in
  match ip with
  | None ->
      Printf.printf "netecho: usage: netecho A.B.C.D (got %S)\n%!" (get_cmdline ());
      exit 2
  | Some ip ->
      Solo5_os.Main.run (Lwt.bind (Netif.connect "service") (Unikernel.start ~ip));
      exit 0
