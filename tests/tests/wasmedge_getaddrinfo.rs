//! `sock_getaddrinfo` through raw imports: results written into the guest's own nodes, and
//! every check on the chain it passes (see `docs/sockets.md`).

mod wasmedge_support;

use wasi_host::preview1::Errno;
use wasmedge_support::*;

#[test]
fn getaddrinfo_fills_the_guests_nodes_and_checks_them() {
    use wasi_host::wasmedge::Errno as W;
    let w = |x: W| x as i32;
    let mut g = Guest::new(&mut net(), V1);
    let nodes = chain(&mut g, 4);
    // A numeric host and service, IPv4 stream: one result.
    assert_eq!(gai(&mut g, b"127.0.0.1\0", b"8080\0", (1, 2, 4), 4), OK);
    assert_eq!(g.u32(0x44), 1);
    let node = g.read(nodes[0], 28);
    assert_eq!((node[2], node[3], node[4]), (1, 2, 1));
    assert_eq!(u32::from_le_bytes(node[8..12].try_into().unwrap()), 16);
    let sa = g.read(nodes[0] + 0x20, 12);
    assert_eq!((sa[0], sa[4]), (1, 14));
    assert_eq!(g.read(nodes[0] + 0x30, 6), [0x1f, 0x90, 127, 0, 0, 1]);
    // max_res 2^31 and 2^32-1 with a chain of 4: bounded by the results and the chain.
    for max in [i32::MIN, -1] {
        assert_eq!(gai(&mut g, b"localhost", b"80", (0, 0, 0), max), OK);
        assert!((1..=4).contains(&g.u32(0x44)));
    }
    // `localhost` through the resolver.
    assert_eq!(gai(&mut g, b"localhost\0", b"", (0, 2, 0), 4), OK);
    assert!(g.u32(0x44) >= 1);
    // Errors, in the order they are checked.
    assert_eq!(gai(&mut g, b"", b"", (0, 0, 0), 4), w(W::Ainoname));
    assert_eq!(gai(&mut g, b"127.0.0.1", b"", (0, 0, 0), 0), w(W::Aimemory));
    assert_eq!(
        gai(&mut g, b"127.0.0.1", b"", (0, 0, 0x80), 4),
        w(W::Aibadflag)
    );
    assert_eq!(gai(&mut g, b"127.0.0.1", b"", (7, 0, 0), 4), w(W::Aifamily));
    assert_eq!(
        gai(&mut g, b"127.0.0.1", b"", (0, 9, 0), 4),
        w(W::Aisocktype)
    );
    assert_eq!(
        gai(&mut g, b"no.such.name.invalid", b"", (0, 0, 4), 4),
        w(W::Ainoname)
    );
    // A chain that loops back on itself.
    let mut g = Guest::new(&mut net(), V1);
    let nodes = chain(&mut g, 2);
    g.set_u32(nodes[1] + 24, nodes[0]);
    g.set_u32(nodes[0] + 24, nodes[0]);
    assert_eq!(
        gai(&mut g, b"localhost", b"80", (0, 0, 0), 4),
        e(Errno::Inval)
    );
    // A chain that leaves memory, and a sockaddr whose data does not fit.
    g.set_u32(nodes[0] + 24, 0xfff0);
    assert_eq!(
        gai(&mut g, b"localhost", b"80", (0, 0, 0), 4),
        e(Errno::Fault)
    );
    g.set_u32(nodes[0] + 24, 0);
    g.set_u32(nodes[0] + 0x20 + 8, 0xfff0);
    assert_eq!(
        gai(&mut g, b"127.0.0.1", b"80", (1, 2, 4), 4),
        e(Errno::Fault)
    );
    // The res pointer itself outside memory.
    assert_eq!(
        g.call(
            "sock_getaddrinfo",
            &[0x400, 9, 0x500, 2, 0x300, 0x10000, 4, 0x44]
        ),
        e(Errno::Fault)
    );
}

#[test]
fn getaddrinfo_writes_ipv6_results_in_the_26_byte_form() {
    let mut g = Guest::new(&mut net(), V1);
    let nodes = chain(&mut g, 2);
    assert_eq!(gai(&mut g, b"::1", b"443", (2, 2, 4), 2), OK);
    assert_eq!(g.u32(0x44), 1);
    let node = g.read(nodes[0], 28);
    assert_eq!((node[2], node[3]), (2, 2));
    assert_eq!(u32::from_le_bytes(node[8..12].try_into().unwrap()), 28);
    let sa = g.read(nodes[0] + 0x20, 8);
    assert_eq!((sa[0], sa[4]), (2, 26));
    let data = g.read(nodes[0] + 0x30, 26);
    assert_eq!(&data[..2], &443u16.to_be_bytes());
    let mut one = [0u8; 16];
    one[15] = 1;
    assert_eq!(&data[6..22], &one);
}
