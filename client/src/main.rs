//! `storeclient`: the ID-Link store client (thin binary over [`storeclient::entry`]).

fn main() -> std::process::ExitCode {
    storeclient::entry::main(std::env::args_os())
}
