(* The OCaml runtime on skiff: allocation (200,000 strings and a table that
   survives collections), exceptions raised and caught, Printf, a full major
   collection and floating point, run by solo5-spt/solo5-hvt through
   ocaml-solo5's runtime and its example startup.c. The test compares every
   line and the exit status (3, from OCaml's exit). *)

exception Found of int

let () =
  let n = 200_000 in
  let strings = Array.init n (fun i -> Printf.sprintf "string-%06d" i) in
  let bytes = Array.fold_left (fun acc s -> acc + String.length s) 0 strings in
  let kept = Hashtbl.create 1024 in
  Array.iteri (fun i s -> if i mod 100 = 0 then Hashtbl.replace kept s i) strings;
  (* garbage: every string copied and concatenated, then dropped *)
  let garbage = ref 0 in
  Array.iter (fun s -> garbage := !garbage + String.length (s ^ String.uppercase_ascii s)) strings;
  let found =
    try
      Array.iteri (fun i s -> if s = "string-123456" then raise (Found i)) strings;
      -1
    with Found i -> i
  in
  let caught = try string_of_int (List.nth [] 3) with Failure m -> "Failure " ^ m in
  Gc.full_major ();
  let st = Gc.quick_stat () in
  let lookups = Hashtbl.fold (fun s i acc -> if strings.(i) == s then acc + 1 else acc) kept 0 in
  let sum = ref 0.0 in
  for i = 1 to 1000 do
    sum := !sum +. (1.0 /. float_of_int (i * i))
  done;
  Printf.printf "hello: %d strings, %d bytes, %d garbage bytes, %d kept, %d intact\n" n bytes !garbage
    (Hashtbl.length kept) lookups;
  Printf.printf "hello: found string-123456 at %d; caught %s\n" found caught;
  Printf.printf "hello: major collections: %s\n" (if st.Gc.major_collections > 0 then "yes" else "no");
  Printf.printf "hello: sum 1/i^2 (i <= 1000) = %.6f, pi^2/6 = %.6f, sqrt 2 = %s\n" !sum
    (Float.pi *. Float.pi /. 6.0) (string_of_float (sqrt 2.0));
  Printf.printf "hello: done\n%!";
  exit 3
