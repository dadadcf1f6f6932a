//! Column encodings of the domain enums and numbers (explicit names, no JSON round-trips).

use gproxy_config::bundle::{ChannelKind, CredentialStrategy, PreferredKind, Strategy};
use gproxy_config::usage::EndState;

use super::error::StoreError;

pub(crate) fn channel(s: &str) -> Result<ChannelKind, StoreError> {
    Ok(match s {
        "openai" => ChannelKind::Openai,
        "anthropic" => ChannelKind::Anthropic,
        "gemini" => ChannelKind::Gemini,
        "openai-compatible" => ChannelKind::OpenaiCompatible,
        other => return Err(unknown("channel", other)),
    })
}

pub(crate) fn credential_strategy_str(s: CredentialStrategy) -> &'static str {
    match s {
        CredentialStrategy::RoundRobin => "round_robin",
        CredentialStrategy::Sticky => "sticky",
        CredentialStrategy::Failover => "failover",
    }
}

pub(crate) fn credential_strategy(s: &str) -> Result<CredentialStrategy, StoreError> {
    Ok(match s {
        "round_robin" => CredentialStrategy::RoundRobin,
        "sticky" => CredentialStrategy::Sticky,
        "failover" => CredentialStrategy::Failover,
        other => return Err(unknown("credential strategy", other)),
    })
}

pub(crate) fn prefer_str(p: PreferredKind) -> &'static str {
    match p {
        PreferredKind::Chat => "chat",
        PreferredKind::Responses => "responses",
    }
}

pub(crate) fn prefer(s: &str) -> Result<PreferredKind, StoreError> {
    Ok(match s {
        "chat" => PreferredKind::Chat,
        "responses" => PreferredKind::Responses,
        other => return Err(unknown("preferred kind", other)),
    })
}

pub(crate) fn strategy_str(s: Strategy) -> &'static str {
    match s {
        Strategy::Failover => "failover",
        Strategy::RoundRobin => "round_robin",
        Strategy::Weighted => "weighted",
        Strategy::LeastLatency => "least_latency",
    }
}

pub(crate) fn strategy(s: &str) -> Result<Strategy, StoreError> {
    Ok(match s {
        "failover" => Strategy::Failover,
        "round_robin" => Strategy::RoundRobin,
        "weighted" => Strategy::Weighted,
        "least_latency" => Strategy::LeastLatency,
        other => return Err(unknown("route strategy", other)),
    })
}

pub(crate) fn end_state_str(e: EndState) -> &'static str {
    match e {
        EndState::Completed => "completed",
        EndState::Error => "error",
        EndState::ClientAborted => "client_aborted",
        EndState::UpstreamAborted => "upstream_aborted",
    }
}

pub(crate) fn end_state(s: &str) -> Result<EndState, StoreError> {
    Ok(match s {
        "completed" => EndState::Completed,
        "error" => EndState::Error,
        "client_aborted" => EndState::ClientAborted,
        "upstream_aborted" => EndState::UpstreamAborted,
        other => return Err(unknown("end state", other)),
    })
}

fn unknown(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} `{value}`"))
}

/// An unsigned number as a BIGINT column; above `i64::MAX` it cannot be stored.
pub(crate) fn int<T: TryInto<i64> + Copy + std::fmt::Display>(
    what: &str,
    v: T,
) -> Result<i64, StoreError> {
    v.try_into()
        .map_err(|_| StoreError::Invalid(format!("{what} {v} is too large to store")))
}

pub(crate) fn opt_int<T: TryInto<i64> + Copy + std::fmt::Display>(
    what: &str,
    v: Option<T>,
) -> Result<Option<i64>, StoreError> {
    v.map(|v| int(what, v)).transpose()
}

/// A JSON column value.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    column: &str,
    s: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

/// Unix milliseconds now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_round_trip_and_match_serde() {
        for s in [
            CredentialStrategy::RoundRobin,
            CredentialStrategy::Sticky,
            CredentialStrategy::Failover,
        ] {
            let name = credential_strategy_str(s);
            assert_eq!(credential_strategy(name).unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), name);
        }
        for s in [
            Strategy::Failover,
            Strategy::RoundRobin,
            Strategy::Weighted,
            Strategy::LeastLatency,
        ] {
            assert_eq!(strategy(strategy_str(s)).unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), strategy_str(s));
        }
        for e in [
            EndState::Completed,
            EndState::Error,
            EndState::ClientAborted,
            EndState::UpstreamAborted,
        ] {
            assert_eq!(end_state(end_state_str(e)).unwrap(), e);
            assert_eq!(serde_json::to_value(e).unwrap(), end_state_str(e));
        }
        for c in [
            ChannelKind::Openai,
            ChannelKind::Anthropic,
            ChannelKind::Gemini,
            ChannelKind::OpenaiCompatible,
        ] {
            assert_eq!(channel(c.as_str()).unwrap(), c);
        }
        for p in [PreferredKind::Chat, PreferredKind::Responses] {
            assert_eq!(prefer(prefer_str(p)).unwrap(), p);
        }
        assert!(matches!(channel("bogus"), Err(StoreError::Corrupt(_))));
        assert!(matches!(int("n", u64::MAX), Err(StoreError::Invalid(_))));
    }
}
