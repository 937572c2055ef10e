//! `bindings!` on a WITX module of our own: strings, flags, a byte buffer, a handle, a tuple
//! result, and a default method in a module whose errno has no `nosys`.

mod demo {
    wasi_host::bindings!("witx/demo.witx");
}

use demo::{Demo, Errno, Greeting, Size, Style, Total};
use wasi_host::CallError;
use wasi_host::guest::GuestBufMut;
use wasmtime::{Linker, Module, Store};

#[derive(Default)]
struct Greeter {
    greetings: Vec<String>,
}

impl Demo for Greeter {
    fn greet(&mut self, name: &str, style: Style) -> Result<Greeting, CallError<Errno>> {
        let mut text = format!("hello, {name}");
        if style.contains(Style::POLITE) {
            text.push_str(", please");
        }
        if style.contains(Style::LOUD) {
            text = text.to_uppercase();
        }
        self.greetings.push(text);
        Ok(Greeting(self.greetings.len() as u32 - 1))
    }

    fn read(&mut self, g: Greeting, mut buf: GuestBufMut<'_>) -> Result<Size, CallError<Errno>> {
        let text = self.greetings.get(g.0 as usize).ok_or(Errno::Inval)?;
        Ok(buf.write_at(0, text.as_bytes()) as Size)
    }

    fn pair(&mut self) -> Result<(Size, Total), CallError<Errno>> {
        Ok((7, 1 << 40))
    }
}

struct Run {
    store: Store<Greeter>,
    instance: wasmtime::Instance,
}

impl Run {
    fn new() -> Run {
        // The host never blocks: the epoch deadline is the guest's time limit.
        let engine = wasi_host_tests::run::engine();
        let mut linker = Linker::new(engine);
        demo::add_to_linker(&mut linker, |g: &mut Greeter| g).unwrap();
        let module =
            Module::from_file(engine, wasi_host_tests::guest_dir().join("wat/demo.wat")).unwrap();
        let mut store = Store::new(engine, Greeter::default());
        wasi_host_tests::watchdog::arm(&mut store);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        Run { store, instance }
    }

    fn call(&mut self, name: &str) -> wasmtime::Result<i32> {
        let f = self
            .instance
            .get_typed_func::<(), i32>(&mut self.store, name)?;
        f.call(&mut self.store, ())
    }

    fn bytes(&mut self, at: usize, len: usize) -> Vec<u8> {
        let memory = self.instance.get_memory(&mut self.store, "memory").unwrap();
        memory.data(&self.store)[at..at + len].to_vec()
    }
}

#[test]
fn string_flags_handle_and_buffer_round_trip() {
    let mut run = Run::new();
    assert_eq!(run.call("greet").unwrap(), Errno::Success as i32);
    assert_eq!(run.bytes(128, 4), 0u32.to_le_bytes());
    assert_eq!(run.store.data().greetings, ["HELLO, ADA, PLEASE"]);
    assert_eq!(run.call("read").unwrap(), 0);
    assert_eq!(run.bytes(132, 4), 18u32.to_le_bytes());
    assert_eq!(run.bytes(512, 18), b"HELLO, ADA, PLEASE");
}

#[test]
fn tuple_results_go_to_their_own_pointers() {
    let mut run = Run::new();
    assert_eq!(run.call("pair").unwrap(), 0);
    assert_eq!(run.bytes(136, 4), 7u32.to_le_bytes());
    assert_eq!(run.bytes(144, 8), (1u64 << 40).to_le_bytes());
}

#[test]
fn bad_inputs_map_to_this_modules_errno() {
    let mut run = Run::new();
    assert_eq!(run.call("greet_bad_utf8").unwrap(), Errno::Ilseq as i32);
    assert_eq!(run.call("greet_bad_style").unwrap(), Errno::Inval as i32);
    assert_eq!(run.call("greet").unwrap(), 0);
    assert_eq!(run.call("read_oob").unwrap(), Errno::Fault as i32);
    assert!(
        run.store.data().greetings.len() == 1,
        "bad calls never reached the host"
    );
}

#[test]
fn default_method_traps_without_nosys() {
    let mut run = Run::new();
    let err = run.call("missing").unwrap_err();
    assert!(
        format!("{err:?}").contains("demo::missing is not implemented"),
        "{err:?}"
    );
}

#[test]
fn generated_display_uses_the_first_doc_sentence() {
    assert_eq!(Errno::Fault.to_string(), "A pointer was outside memory");
    assert_eq!(Errno::try_from(3u16), Ok(Errno::Ilseq));
    assert!(Errno::try_from(4u16).is_err());
}
