//! Redis settings: where the fan-out finds Redis and the key namespace it uses. `REDIS_URL` and
//! `REDIS_PREFIX` are read and checked in [`Config::from_lookup`](super::Config::from_lookup).

/// Where Redis is and which key namespace this deployment uses.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: String,
    pub prefix: String,
}

#[cfg(test)]
mod tests {
    use crate::config::tests::config;

    #[test]
    fn a_redis_url_is_kept_when_it_names_redis() {
        for url in ["redis://cache:6379/0", "redis://:pw@cache.example:6380"] {
            let c = config(&[("REDIS_URL", url)]).unwrap();
            assert_eq!(c.redis_url.as_deref(), Some(url));
            assert_eq!(c.redis().unwrap().prefix, "discock");
        }
        assert!(config(&[]).unwrap().redis().is_none());
    }

    #[test]
    fn rediss_is_accepted_for_tls_and_other_schemes_or_fragments_are_refused() {
        for url in ["rediss://:pw@cache.example:6380", "rediss://cache.example:6380/2", "rediss://10.0.0.5#insecure"] {
            assert_eq!(config(&[("REDIS_URL", url)]).unwrap().redis_url.as_deref(), Some(url));
        }
        for url in ["rediss://:pw@cache:6380#nocheck", "redis+tls://:pw@cache:6380", "tls://:pw@cache:6380"] {
            let err = config(&[("REDIS_URL", url)]).unwrap_err();
            assert!(err.0.contains("REDIS_URL") && err.0.contains("rediss://") && !err.0.contains(":pw@"), "{err}");
        }
    }

    #[test]
    fn odd_redis_prefixes_are_refused_with_the_variable_named() {
        for prefix in ["has space", "{braces}", &"p".repeat(65)] {
            let err = config(&[("REDIS_PREFIX", prefix)]).unwrap_err();
            assert!(err.0.contains("REDIS_PREFIX"), "{err}");
        }
        assert_eq!(config(&[("REDIS_PREFIX", "test:abc-1")]).unwrap().redis_prefix, "test:abc-1");
    }
}
