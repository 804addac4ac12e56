//! Security: the REST endpoint, internal TLS, Kerberos.

use super::{AuditRule, NEEDS_CONFIG};
use crate::audit::{Context, Sink};
use crate::check::Severity;
use crate::config::keys;

pub(super) static REST_EXPOSED: AuditRule = AuditRule {
    id: "rest_exposed",
    severity: Severity::Warning,
    summary: "the REST API listens beyond localhost without TLS client authentication",
    explanation: "Flink's REST API (and web UI) accepts job submission — running arbitrary code \
on the cluster — and has no authentication of its own; the only built-in protection is mutual \
TLS (security.ssl.rest.enabled with security.ssl.rest.authentication-enabled). When \
rest.bind-address is unset the server binds every interface (RestServerEndpoint binds the \
wildcard address: the comment in the distribution's config.yaml that calls localhost the \
default describes its own commented-out line, not Flink's default). A bind address other than \
loopback without mutual TLS exposes the API to everyone who can reach the port; put it behind \
an authenticating proxy or enable mutual TLS.",
    fix: "rest.bind-address: localhost (behind a proxy), or security.ssl.rest.enabled: true with security.ssl.rest.authentication-enabled: true",
    decided_by: "config",
    check: check_rest,
};

pub(super) static INTERNAL_TLS: AuditRule = AuditRule {
    id: "internal_tls_disabled",
    severity: Severity::Info,
    summary: "internal connections (RPC, data exchange, blob server) are not encrypted",
    explanation: "security.ssl.internal.enabled (older: security.ssl.enabled) encrypts and \
mutually authenticates the connections between JobManager and TaskManagers. Without it anyone \
on the network can read records in flight and talk to the RPC endpoints. Where the network \
itself is trusted (a private Kubernetes namespace with network policies) this may be accepted \
with an allow-list entry.",
    fix: "security.ssl.internal.enabled: true with security.ssl.internal.keystore/truststore",
    decided_by: "config",
    check: check_internal,
};

pub(super) static KERBEROS: AuditRule = AuditRule {
    id: "kerberos_incomplete",
    severity: Severity::Error,
    summary: "Kerberos is configured with a keytab but no principal, or the reverse",
    explanation: "Flink logs in from a keytab only when both security.kerberos.login.keytab and \
security.kerberos.login.principal are set (SecurityConfiguration); one without the other fails \
the cluster's start (IllegalConfigurationException) or, with the ticket cache, silently uses \
whichever user's ticket is present and stops when it expires. Only checked when Kerberos keys \
are configured.",
    fix: "set both security.kerberos.login.keytab and security.kerberos.login.principal",
    decided_by: "config",
    check: check_kerberos,
};

fn loopback(addr: &str) -> bool {
    let a = addr.trim().trim_matches(['[', ']']);
    a.eq_ignore_ascii_case("localhost") || a.starts_with("127.") || a == "::1"
}

fn check_rest(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let (Some(bind), Some(ssl), Some(auth)) = (
        cx.config(&keys::REST_BIND_ADDRESS),
        cx.config_bool(&keys::SSL_REST),
        cx.config_bool(&keys::SSL_REST_AUTH),
    ) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let mut ev = bind.evidence;
    match bind.value.as_deref() {
        Some(a) if loopback(a) => {
            sink.passed(None, format!("the REST API binds {a} only"), ev);
        }
        other => {
            let where_ = match other {
                Some(a) => format!("binds {a}"),
                None => "binds every interface (rest.bind-address is not set)".into(),
            };
            ev.extend(ssl.evidence);
            ev.extend(auth.evidence);
            if ssl.value == Some(true) && auth.value == Some(true) {
                sink.passed(None, format!("the REST API {where_}, with mutual TLS"), ev);
            } else {
                let missing = if ssl.value == Some(true) {
                    "TLS without client authentication"
                } else {
                    "no TLS"
                };
                sink.finding(
                    None,
                    format!("the REST API {where_} with {missing}: anyone who reaches the port can submit jobs"),
                    ev,
                );
            }
        }
    }
}

fn check_internal(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let Some(s) = cx.config_bool(&keys::SSL_INTERNAL) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    if s.value == Some(true) {
        sink.passed(None, "internal connections use TLS", s.evidence);
    } else {
        sink.finding(None, "internal connections are not encrypted", s.evidence);
    }
}

fn check_kerberos(cx: &Context<'_>, sink: &mut Sink<'_>) {
    let (Some(keytab), Some(principal)) = (
        cx.config(&keys::KERBEROS_KEYTAB),
        cx.config(&keys::KERBEROS_PRINCIPAL),
    ) else {
        sink.not_checked("no configuration file given", NEEDS_CONFIG);
        return;
    };
    let mut ev = keytab.evidence;
    ev.extend(principal.evidence);
    match (&keytab.value, &principal.value) {
        (None, None) => {
            sink.passed(None, "Kerberos is not configured (nothing to check)", ev);
        }
        (Some(_), Some(p)) => {
            sink.passed(None, format!("Kerberos logs in from a keytab as {p}"), ev);
        }
        (Some(_), None) => {
            sink.finding(None, "a Kerberos keytab is set without a principal", ev);
        }
        (None, Some(_)) => {
            sink.finding(None, "a Kerberos principal is set without a keytab", ev);
        }
    }
}
