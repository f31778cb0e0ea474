//! One MCP session's sandbox: the instance every tool call of the session
//! runs in, and the grants it was built with.

use osbox::{Error, Os, Runtime};

use crate::commands::{Grant, SandboxOptions};

pub struct Session {
    pub os: Os,
    pub grants: Vec<Grant>,
}

impl Session {
    /// A fresh instance under the command line's policy, with `grants`.
    pub fn start(runtime: &Runtime, options: &SandboxOptions, grants: Vec<Grant>) -> Result<Session, Error> {
        let os = options.builder(runtime, &grants)?.build()?.os()?;
        Ok(Session { os, grants })
    }
}
