//! Who may do what: bearer tokens with roles, compared by digest, from the configuration
//! and from a tokens file that is read again when it changes (revoke or rotate a token by
//! editing the file, no restart).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{bail, Context};
use axum::http::{header, HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{ApiError, ApiResult};

/// Tokens shorter than this are refused wherever they are configured.
pub const MIN_TOKEN_CHARS: usize = 16;

/// Who may do what. An admin may do everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the unsuppressed aggregate cube and the audit log.
    Analyst,
    /// Posts batches.
    Ingest,
    /// Rolls batches back.
    Admin,
}

impl Role {
    pub fn allows(self, needed: Role) -> bool {
        self == Role::Admin || self == needed
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenConfig {
    /// Who holds it; the audit log names them.
    pub name: String,
    pub role: Role,
    pub token: String,
}

/// (name, role, SHA-256 of the token).
type Holder = (String, Role, [u8; 32]);

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn holders(tokens: &[TokenConfig]) -> Vec<Holder> {
    tokens.iter().map(|t| (t.name.clone(), t.role, digest(&t.token))).collect()
}

/// The tokens file as last read: its modification time and length, and its holders.
#[derive(Default)]
struct FileTokens {
    stamp: Option<(SystemTime, u64)>,
    holders: Vec<Holder>,
}

pub struct Tokens {
    fixed: Vec<Holder>,
    file: Option<PathBuf>,
    from_file: Mutex<FileTokens>,
}

impl Tokens {
    /// The configured tokens, and the tokens file if any (which must be readable now).
    pub fn new(fixed: &[TokenConfig], file: Option<PathBuf>) -> anyhow::Result<Tokens> {
        let tokens = Tokens { fixed: holders(fixed), file, from_file: Mutex::new(FileTokens::default()) };
        if let Some(path) = &tokens.file {
            let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading the tokens file {}: {e}", path.display()))?;
            parse_tokens(&text, &path.display().to_string())?;
        }
        tokens.refresh();
        Ok(tokens)
    }

    /// Reads the tokens file again if it changed. A file that no longer parses keeps the
    /// tokens it had (and says why in the log): a typo must not lock everyone out, nor let
    /// a revoked token back in — so a file that disappears revokes all its tokens.
    fn refresh(&self) {
        let Some(path) = &self.file else { return };
        let mut cached = self.from_file.lock().expect("tokens lock");
        let stamp = std::fs::metadata(path).ok().map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        if stamp == cached.stamp {
            return;
        }
        match stamp.map(|_| std::fs::read_to_string(path)) {
            None | Some(Err(_)) => {
                tracing::warn!(file = %path.display(), "the tokens file cannot be read: its tokens are revoked");
                *cached = FileTokens { stamp, holders: Vec::new() };
            }
            Some(Ok(text)) => match parse_tokens(&text, &path.display().to_string()) {
                Ok(tokens) => {
                    tracing::info!(file = %path.display(), tokens = tokens.len(), "tokens file read");
                    *cached = FileTokens { stamp, holders: holders(&tokens) };
                }
                Err(e) => {
                    tracing::error!(file = %path.display(), error = %e, "the tokens file does not parse: keeping the tokens read before");
                    cached.stamp = stamp;
                }
            },
        }
    }

    /// The caller's name if their token allows `needed`.
    pub fn authorize(&self, headers: &HeaderMap, needed: Role) -> ApiResult<String> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "this needs a token (Authorization: Bearer …)".into()))?;
        let hash = digest(token.trim());
        self.refresh();
        let from_file = self.from_file.lock().expect("tokens lock");
        let (name, role, _) = self
            .fixed
            .iter()
            .chain(&from_file.holders)
            .find(|(_, _, h)| *h == hash)
            .ok_or_else(|| ApiError(StatusCode::UNAUTHORIZED, "unknown token".into()))?;
        if !role.allows(needed) {
            return Err(ApiError(StatusCode::FORBIDDEN, format!("{name} ({role:?}) may not do this: it needs the {needed:?} role")));
        }
        Ok(name.clone())
    }

    /// Whether the request carries any credentials (a wrong token is still refused).
    pub fn presented(headers: &HeaderMap) -> bool {
        headers.contains_key(header::AUTHORIZATION)
    }
}

pub fn check_token(token: &TokenConfig, origin: &str) -> anyhow::Result<()> {
    anyhow::ensure!(!token.name.trim().is_empty(), "{origin}: a token has no name");
    anyhow::ensure!(
        token.token.chars().count() >= MIN_TOKEN_CHARS,
        "{origin}: the token of {} is shorter than {MIN_TOKEN_CHARS} characters",
        token.name
    );
    Ok(())
}

/// `name:role:token` items, separated by commas or lines; `#` starts a comment line.
pub fn parse_tokens(text: &str, origin: &str) -> anyhow::Result<Vec<TokenConfig>> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with('#'))
        .map(|item| {
            let mut parts = item.splitn(3, ':');
            let (Some(name), Some(role), Some(token)) = (parts.next(), parts.next(), parts.next()) else {
                // Never repeat the item: it may be a token.
                bail!("{origin}: an item is not name:role:token")
            };
            let role: Role = serde_json::from_value(serde_json::Value::String(role.into()))
                .with_context(|| format!("{origin}: `{role}` is not a role (analyst, ingest, admin)"))?;
            let token = TokenConfig { name: name.into(), role, token: token.into() };
            check_token(&token, origin)?;
            Ok(token)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_with_their_roles_and_refuse_short_ones() {
        let tokens = parse_tokens("bot:ingest:0123456789abcdef,ana:analyst:fedcba9876543210", "test").unwrap();
        assert_eq!(
            tokens.iter().map(|t| (t.name.as_str(), t.role)).collect::<Vec<_>>(),
            vec![("bot", Role::Ingest), ("ana", Role::Analyst)]
        );
        assert!(parse_tokens("bot:ingest:short", "test").is_err());
        assert!(parse_tokens("bot:root:0123456789abcdef", "test").unwrap_err().to_string().contains("not a role"));
        let file = "# who may ingest\nbot:ingest:0123456789abcdef\n\nroot:admin:0123456789abcdefgh\n";
        assert_eq!(parse_tokens(file, "tokens file").unwrap().len(), 2);
        let error = parse_tokens("0123456789abcdef-secret", "test").unwrap_err().to_string();
        assert!(!error.contains("secret"), "a malformed item may be a token: {error}");
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
        headers
    }

    #[test]
    fn roles() {
        assert!(Role::Admin.allows(Role::Ingest) && !Role::Analyst.allows(Role::Ingest) && !Role::Ingest.allows(Role::Analyst));
    }

    #[test]
    fn the_tokens_file_is_read_again_when_it_changes() {
        let dir = std::env::temp_dir().join(format!("szjy-tokens-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tokens");
        std::fs::write(&file, "ana:analyst:analyst-token-0001\n").unwrap();
        let tokens = Tokens::new(&[], Some(file.clone())).unwrap();
        assert_eq!(tokens.authorize(&bearer("analyst-token-0001"), Role::Analyst).unwrap(), "ana");
        // Rotated: the old token stops working, the new one works, without a restart.
        std::fs::write(&file, "ana:analyst:analyst-token-0002-rotated\n").unwrap();
        assert_eq!(tokens.authorize(&bearer("analyst-token-0001"), Role::Analyst).unwrap_err().0, StatusCode::UNAUTHORIZED);
        assert_eq!(tokens.authorize(&bearer("analyst-token-0002-rotated"), Role::Analyst).unwrap(), "ana");
        // A typo keeps what was there; removing the file revokes.
        std::fs::write(&file, "ana:analyst:short\n").unwrap();
        assert!(tokens.authorize(&bearer("analyst-token-0002-rotated"), Role::Analyst).is_ok());
        std::fs::remove_file(&file).unwrap();
        assert_eq!(tokens.authorize(&bearer("analyst-token-0002-rotated"), Role::Analyst).unwrap_err().0, StatusCode::UNAUTHORIZED);
    }
}
