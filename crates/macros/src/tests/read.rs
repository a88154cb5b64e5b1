//! Reading the keys a body builds.

use quote::quote;

use super::keys_of;

#[test]
fn reads_format_strings_and_their_arguments() {
    let keys = |item| keys_of(item).unwrap();
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                format!("{{user:{id}}}:profile")
            }
        )),
        ["{user:<id>}:profile"]
    );
    // Positional, indexed, named, specs, field paths, `&` and `.to_string()` on arguments.
    assert_eq!(
        keys(quote!(
            fn k(id: u64, kind: &str) -> String {
                format!(
                    "{{user:{}}}:{1}:{0}:{k:?}:{x}",
                    &id,
                    kind.to_string(),
                    k = kind,
                    x = id
                )
            }
        )),
        ["{user:<id>}:<kind>:<id>:<kind:?>:<id>"]
    );
    assert_eq!(
        keys(quote!(
            fn k(&self) -> String {
                format!("{{u:{}}}", self.user.id)
            }
        )),
        ["{u:<self.user.id>}"]
    );
    // Through `let`, conversions, `format_args!`, `+`, `String::from`, `.into()`.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                let tag = format!("{{user:{id}}}");
                let uid = id;
                let key = format!("{tag}:{}", uid);
                String::from(key)
            }
        )),
        ["{user:<id>}:<id>"]
    );
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                format_args!("{{t:{}}}", id).to_string()
            }
        )),
        ["{t:<id>}"]
    );
    assert_eq!(
        keys(quote!(
            fn k(id: &str) -> String {
                "{t:".to_owned() + id + "}" + &format!(":{id}")
            }
        )),
        ["{t:<id>}:<id>"]
    );
    assert_eq!(
        keys(quote!(
            fn k() -> String {
                "{stats}:daily".into()
            }
        )),
        ["{stats}:daily"]
    );
    // Literal arguments are inlined.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                format!("{{{}:{}}}", "user", id)
            }
        )),
        ["{user:<id>}"]
    );
    // `push_str` and `+=` on a bound key.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                let mut key = String::from("{user:");
                key.push_str(&id.to_string());
                key += "}";
                key
            }
        )),
        ["{user:<id>}"]
    );
    // Branches and `return`s, not closures.
    assert_eq!(
        keys(quote!(
            fn k(id: u64, old: bool) -> String {
                let f = || {
                    return 5;
                };
                if old {
                    return format!("{{u:{id}}}:v1");
                }
                match id {
                    0 => format!("{{u:{id}}}:zero"),
                    _ => format!("{{u:{id}}}:n"),
                }
            }
        )),
        ["{u:<id>}:v1", "{u:<id>}:zero", "{u:<id>}:n"]
    );
    // A computed local is a hole named after the local.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                let shard = id % 16;
                format!("{{s:{shard}}}")
            }
        )),
        ["{s:<shard>}"]
    );
}

#[test]
fn says_what_it_cannot_read() {
    let error = keys_of(quote!(
        fn k(id: u64) -> String {
            build(id)
        }
    ))
    .unwrap_err();
    assert!(error.contains("cannot read the key `k` builds"), "{error}");
    assert!(error.contains("slotlint reads"), "{error}");
    let error = keys_of(quote!(
        fn k(key: String) -> String {
            key
        }
    ))
    .unwrap_err();
    assert!(error.contains("`key` is a parameter"), "{error}");
    // rustc accepts a macro as the format string; slotlint does not read it.
    let error = keys_of(quote!(
        fn k(id: u64) -> String {
            format!(concat!("{{user:", "{}}}"), id)
        }
    ))
    .unwrap_err();
    assert!(error.contains("not a string literal"), "{error}");
    let error = keys_of(quote!(
        fn k(id: u64) -> String {
            let mut s = format!("{{u:{id}}}");
            s.insert(0, 'x');
            s
        }
    ))
    .unwrap_err();
    assert!(error.contains("changed by `insert`"), "{error}");
    let error = keys_of(quote!(
        fn k() -> String {
            format!("{:.*}", 1, 2)
        }
    ))
    .unwrap_err();
    assert!(error.contains(".*"), "{error}");
}

/// What rustc refuses, rustc reports: the body is not read, and no second error is added.
#[test]
fn leaves_to_rustc_what_rustc_refuses() {
    for body in [
        quote!(format!("{{user:{id}}")),
        quote!(format!("{user:{id}}}:profile")),
        quote!(format!("{{user:{a-b}}}")),
        quote!(format!("{}:{}", id)),
        quote!(format!("{2}", id)),
        quote!(format!(FMT, id)),
        quote!(format!(b"{}", id)),
        quote!(format!()),
        quote!(format!("{}", id,,)),
        quote!(concat!("{user:", ID, "}")),
        quote!(concat!(b"user")),
        quote!(if id > 0 {
            format!("{{user:{id}}")
        } else {
            format!("{{user:{id}}}")
        }),
    ] {
        let result = keys_of(quote!(
            fn k(id: u64) -> String {
                #body
            }
        ));
        assert_eq!(result, Err("(left to rustc)".to_owned()), "{body}");
    }
    // Unless slotlint has an error of its own beside it.
    let error = keys_of(quote!(
        fn k(id: u64) -> String {
            if id > 0 {
                format!("{{user:{id}}")
            } else {
                build(id)
            }
        }
    ))
    .unwrap_err();
    assert!(
        error.contains("does not look inside") || error.contains("cannot read"),
        "{error}"
    );
}

#[test]
fn literal_arguments_are_inlined() {
    assert_eq!(
        keys_of(quote!(
            fn k() -> String {
                format!("{{user:{}}}:{}:{}", 42, 'x', true)
            }
        )),
        Ok(vec!["{user:42}:x:true".to_owned()])
    );
}
