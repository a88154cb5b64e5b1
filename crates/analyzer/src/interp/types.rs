//! What a declared type says about a value: a redis connection, client, pool, pipeline or
//! script (also through pool crates, type aliases, generics bounded by a connection trait, and
//! `Arc`/`Mutex`/`Option` wrappers), a collection, or an ordinary value.
//!
//! Not here: values built by calls (`redis`, `builders`), fields of the crate's types (`fields`).

use syn::punctuated::Punctuated;
use syn::Token;

use super::value::{ClientInfo, ConnInfo, PipeState, ScriptState, Value};
use super::Interp;
use crate::index::{type_name, written_path, CrateIndex};
use crate::redis_api;
use crate::scope::Scope;
use crate::sites::ClientRef;

impl<'c, 'a> Interp<'c, 'a> {
    /// What a declared type tells: a connection, a client, a pipeline, a crate object, or
    /// nothing (`None`: an ordinary value, represented by a hole).
    pub(super) fn value_of_type(&mut self, ty: &syn::Type) -> Option<Value<'a>> {
        if let syn::Type::Path(p) = ty {
            self.note_path(&p.path);
        }
        value_of_type(ty, &self.scope, &self.cx.index, &self.conn_generics, 0)
    }

    /// [`Self::value_of_type`] of a type written in this file (a parameter's, a `let`'s): an
    /// object also knows which module's type it is (`ObjectInfo::home`).
    pub(super) fn value_of_declared_type(&mut self, ty: &syn::Type) -> Option<Value<'a>> {
        self.value_of_type_written_in(ty, None)
    }

    /// [`Self::value_of_declared_type`] of a type written in file `file` (`None`: this one): a
    /// struct field's type, in the file that declares the struct.
    pub(super) fn value_of_type_written_in(
        &mut self,
        ty: &syn::Type,
        file: Option<usize>,
    ) -> Option<Value<'a>> {
        match self.value_of_type(ty)? {
            Value::Object(mut o) => {
                if let (Some(p), None) = (written_path(ty), &o.home) {
                    let path = crate::scope::path_names(&p.path);
                    if p.qself.is_none() && path.last() == o.ty.as_ref() {
                        o.home = match file {
                            Some(f) if f != self.file => {
                                self.type_home_in(f, self.cx.scope(f), &path)
                            }
                            _ => self.type_home_of(&path),
                        };
                    }
                }
                Some(Value::Object(o))
            }
            v => Some(v),
        }
    }
}

pub(super) fn cluster_client<'a>() -> Value<'a> {
    Value::Client(ClientInfo {
        client: ClientRef {
            cluster: Some(true),
            what: "redis::cluster::ClusterClient".into(),
        },
        built_at: None,
        source: String::new(),
    })
}

/// Whether a path names a cluster client, connection or pipeline.
pub(super) fn is_cluster_path(path: &syn::Path, scope: &Scope) -> bool {
    if let Some(r) = scope.resolve(path) {
        if r.starts_with("cluster::")
            || r.starts_with("cluster_async::")
            || r.contains("ClusterClient")
            || r.contains("ClusterConnection")
            || r.ends_with("cluster_pipe")
            || r.contains("ClusterPipeline")
        {
            return true;
        }
    }
    let full = scope.full_path(path);
    matches!(
        full.first().map(String::as_str),
        Some("redis_cluster_async" | "bb8_redis_cluster" | "r2d2_redis_cluster")
    ) || (full.first().is_some_and(|f| f == "deadpool_redis")
        && full.get(1).is_some_and(|s| s == "cluster"))
}

/// Generic parameters whose bounds name a redis connection trait.
pub(super) fn conn_generics(generics: &syn::Generics, scope: &Scope) -> Vec<String> {
    let mut out = Vec::new();
    let is_conn_bound = |bounds: &Punctuated<syn::TypeParamBound, Token![+]>| {
        bounds.iter().any(|b| matches!(b, syn::TypeParamBound::Trait(t) if redis_api::is_connection_trait(&t.path, scope)))
    };
    for p in generics.type_params() {
        if is_conn_bound(&p.bounds) {
            out.push(p.ident.to_string());
        }
    }
    if let Some(w) = &generics.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(t) = pred {
                if let (Some(name), true) = (type_name(&t.bounded_ty), is_conn_bound(&t.bounds)) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// Slices, arrays, vectors and sets: a parameter of such a type holds many values.
pub(super) fn is_collection_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_collection_type(&r.elem),
        syn::Type::Paren(p) => is_collection_type(&p.elem),
        // Bytes are one value (a key written as bytes), not a collection of keys.
        syn::Type::Slice(s) => !is_byte_type(&s.elem),
        syn::Type::Array(a) => !is_byte_type(&a.elem),
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            let elem_is_byte = match &s.arguments {
                syn::PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .any(|g| matches!(g, syn::GenericArgument::Type(t) if is_byte_type(t))),
                _ => false,
            };
            matches!(
                s.ident.to_string().as_str(),
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" | "SmallVec"
            ) && !(s.ident == "Vec" && elem_is_byte)
        }),
        _ => false,
    }
}

fn is_byte_type(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("u8"))
}

/// What a declared type says about a value. `None` for ordinary values.
fn value_of_type<'a>(
    ty: &syn::Type,
    scope: &Scope,
    index: &CrateIndex<'_>,
    conn_generics: &[String],
    depth: usize,
) -> Option<Value<'a>> {
    if depth > 4 {
        return None;
    }
    let conn_trait = |bounds: &Punctuated<syn::TypeParamBound, Token![+]>| {
        bounds.iter().any(|b| matches!(b, syn::TypeParamBound::Trait(t) if redis_api::is_connection_trait(&t.path, scope)))
    };
    match ty {
        syn::Type::Reference(r) => value_of_type(&r.elem, scope, index, conn_generics, depth + 1),
        syn::Type::Paren(p) => value_of_type(&p.elem, scope, index, conn_generics, depth + 1),
        syn::Type::Group(g) => value_of_type(&g.elem, scope, index, conn_generics, depth + 1),
        syn::Type::ImplTrait(t) => conn_trait(&t.bounds).then(|| Value::Conn(ConnInfo::unknown())),
        syn::Type::TraitObject(t) => {
            conn_trait(&t.bounds).then(|| Value::Conn(ConnInfo::unknown()))
        }
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if p.path.segments.len() == 1 && conn_generics.contains(&name) {
                return Some(Value::Conn(ConnInfo::unknown()));
            }
            if let Some(v) = value_of_redis_type(&p.path, scope) {
                return Some(v);
            }
            // Smart pointers and guards around a connection or client.
            if matches!(
                name.as_str(),
                "Box" | "Arc" | "Rc" | "Mutex" | "RwLock" | "RefCell" | "MutexGuard" | "Option"
            ) {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    for a in &args.args {
                        if let syn::GenericArgument::Type(t) = a {
                            if let Some(v @ (Value::Conn(_) | Value::Client(_))) =
                                value_of_type(t, scope, index, conn_generics, depth + 1)
                            {
                                return Some(v);
                            }
                        }
                    }
                }
                return None;
            }
            if p.path.segments.len() == 1 {
                if let Some(target) = index.type_alias(&name) {
                    return value_of_type(target, scope, index, conn_generics, depth + 1);
                }
                if implements_connection_like(index, &name) {
                    // A wrapper of the crate around a connection (tracing, metrics): a
                    // connection, of the client its type argument names when it names one.
                    let inner = match &last.arguments {
                        syn::PathArguments::AngleBracketed(args) => {
                            args.args.iter().find_map(|a| match a {
                                syn::GenericArgument::Type(t) => {
                                    match value_of_type(t, scope, index, conn_generics, depth + 1) {
                                        Some(v @ Value::Conn(_)) => Some(v),
                                        _ => None,
                                    }
                                }
                                _ => None,
                            })
                        }
                        _ => None,
                    };
                    return Some(inner.unwrap_or_else(|| Value::Conn(ConnInfo::unknown())));
                }
                if index.has_type(&name) {
                    return Some(Value::object(Some(name)));
                }
            }
            // `super::alpha::Shelf`, `crate::store::Keys`: a type of the crate by its path.
            let in_crate = p
                .path
                .segments
                .first()
                .is_some_and(|s| s.ident == "crate" || s.ident == "super" || s.ident == "self");
            if in_crate && p.qself.is_none() && index.has_type(&name) {
                return Some(Value::object(Some(name)));
            }
            None
        }
        _ => None,
    }
}

/// Whether the crate implements redis's `ConnectionLike` (sync or async) for its type `name`
/// (`impl<C: ConnectionLike> ConnectionLike for Traced<C>`).
fn implements_connection_like(index: &CrateIndex<'_>, name: &str) -> bool {
    index.types_implementing("ConnectionLike").contains(name)
}

/// A redis (or redis pool) type named by a path: a connection, a client or pool, a pipeline, a
/// script.
fn value_of_redis_type<'a>(path: &syn::Path, scope: &Scope) -> Option<Value<'a>> {
    let full = scope.full_path(path);
    let text = full.join("::");
    let last = path.segments.last()?.ident.to_string();
    let generics = quote::quote!(#path).to_string();
    let cluster_text = text.contains("cluster") || generics.contains("Cluster");
    // Pool crates: their connection types deref to a redis connection; pools hand them out.
    let pool_crate = ["deadpool_redis", "bb8_redis", "r2d2_redis", "mobc_redis"]
        .iter()
        .any(|c| text.starts_with(c));
    let redis_generic = generics.contains("Redis") || generics.contains("redis");
    if pool_crate && matches!(last.as_str(), "Connection" | "Object" | "PooledConnection") {
        let cluster = cluster_text.then_some(true);
        return Some(Value::Conn(ConnInfo::of(cluster, text)));
    }
    if last == "PooledConnection" && (redis_generic || generics.contains("Cluster")) {
        // bb8/r2d2 `PooledConnection<'_, RedisConnectionManager>` / `<redis::Client>`.
        return Some(Value::Conn(ConnInfo::of(
            cluster_text.then_some(true),
            text,
        )));
    }
    if last == "Pool" && (pool_crate || redis_generic) {
        return Some(Value::Client(ClientInfo {
            client: ClientRef {
                cluster: if cluster_text { Some(true) } else { None },
                what: text,
            },
            built_at: None,
            source: String::new(),
        }));
    }
    let resolved = scope.resolve(path)?;
    let cluster = resolved.contains("cluster");
    let what = format!("redis::{resolved}");
    match last.as_str() {
        "Connection" | "MultiplexedConnection" | "ConnectionManager" | "ClusterConnection" => {
            let cluster = last == "ClusterConnection" || cluster;
            Some(Value::Conn(ConnInfo::of(Some(cluster), what)))
        }
        "Client" => Some(Value::Client(ClientInfo {
            client: ClientRef {
                cluster: Some(cluster),
                what,
            },
            built_at: None,
            source: String::new(),
        })),
        "ClusterClient" => Some(cluster_client()),
        "Pipeline" | "ClusterPipeline" => Some(Value::Pipe(Box::new(PipeState::new(
            last == "ClusterPipeline",
            false,
        )))),
        "Script" => Some(Value::Script(Box::new(ScriptState {
            invocation: false,
            keys: Vec::new(),
            complete: false,
            source: None,
        }))),
        "ScriptInvocation" => Some(Value::Script(Box::new(ScriptState {
            invocation: true,
            keys: Vec::new(),
            complete: false,
            source: None,
        }))),
        _ => None,
    }
}
