//! The MCP server: one sandbox per session, the tools of `tools.rs`, and
//! the client's roots turned into grants where the operator allows it.

use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, InitializeRequestParams, InitializeResult,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Value, json};

use osbox::{Error, Runtime};

use super::files::describe_error;
use super::roots::{self, Rule};
use super::session::Session;
use super::tools::{self, Answer, Args, TOOLS};
use crate::commands::SandboxOptions;

/// What every session shares: the runtime, the command line's policy and
/// the roots rules.
pub struct Shared {
    pub runtime: Runtime,
    pub options: SandboxOptions,
    pub rules: Vec<Rule>,
}

/// One session's server.
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
    session: Arc<Mutex<Session>>,
    /// False while the client's roots are being asked for and granted:
    /// tool calls wait for it, so none runs on the grants being replaced.
    ready: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Server {
    /// A session with a fresh sandbox under the command line's grants.
    pub fn new(shared: Arc<Shared>) -> Result<Server, Error> {
        let session = Session::start(&shared.runtime, &shared.options, shared.options.grants())?;
        let ready = Arc::new(tokio::sync::watch::Sender::new(true));
        Ok(Server { shared, session: Arc::new(Mutex::new(session)), ready })
    }

    /// Asks the client for its roots and, when some may be granted, starts
    /// the session's sandbox afresh with them in place of the command
    /// line's directories (as the reference server replaces its own).
    async fn adopt_roots(&self, context: NotificationContext<RoleServer>) {
        if !self.wants_roots(&context.peer) {
            return;
        }
        self.ready.send_replace(false);
        self.ask_for_roots(context).await;
        self.ready.send_replace(true);
    }

    /// Whether roots may become grants and the client has them.
    fn wants_roots(&self, peer: &rmcp::Peer<RoleServer>) -> bool {
        !self.shared.rules.is_empty() && peer.peer_info().is_some_and(|info| info.capabilities.roots.is_some())
    }

    // Roots are deprecated in the newest protocol revision (SEP-2577), but
    // the revisions served here have them and clients use them.
    #[allow(deprecated)]
    async fn ask_for_roots(&self, context: NotificationContext<RoleServer>) {
        let listed = match context.peer.list_roots().await {
            Ok(l) => l,
            Err(e) => {
                crate::output::error(&format!("osbox mcp: could not list the client's roots: {e}"));
                return;
            }
        };
        let uris: Vec<String> = listed.roots.iter().map(|r| r.uri.clone()).collect();
        let (grants, refused) = roots::grants(&self.shared.rules, &uris);
        for uri in refused {
            crate::output::error(&format!("osbox mcp: root {uri} is not under a --roots directory: not granted"));
        }
        if grants.is_empty() {
            return;
        }
        let shared = self.shared.clone();
        let session = self.session.clone();
        let started = tokio::task::spawn_blocking(move || -> Result<(), Error> {
            let fresh = Session::start(&shared.runtime, &shared.options, grants)?;
            *session.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
            Ok(())
        })
        .await;
        match started {
            Ok(Ok(())) => {}
            Ok(Err(e)) => crate::output::error(&format!("osbox mcp: the roots could not be granted: {e}")),
            Err(e) => crate::output::error(&format!("osbox mcp: the roots could not be granted: {e}")),
        }
    }
}

fn result(v: Value) -> CallToolResult {
    serde_json::from_value(v).expect("a well-formed tool result")
}

/// A tool's answer as the MCP result the reference server gives.
fn to_result(answer: Result<Answer, Error>) -> CallToolResult {
    match answer {
        Ok(Answer::Text(text)) => result(json!({
            "content": [{"type": "text", "text": text}],
            "structuredContent": {"content": text},
        })),
        Ok(Answer::Media(block)) => result(json!({
            "content": [block],
            "structuredContent": {"content": [block]},
        })),
        Ok(Answer::Response(response, failed)) => result(json!({
            "content": [{"type": "text", "text": response.to_string()}],
            "structuredContent": response,
            "isError": failed,
        })),
        Err(e) => result(json!({
            "content": [{"type": "text", "text": describe_error(&e)}],
            "isError": true,
        })),
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::new(ServerCapabilities::builder().enable_tools().build());
        info.server_info = Implementation::new("osbox", env!("CARGO_PKG_VERSION"));
        info.instructions = Some(
            "A sandbox with Python's os, shutil and subprocess semantics. Paths are the sandbox's own: call \
             list_allowed_directories first; python_os takes any os/os.path/shutil/tempfile call."
                .into(),
        );
        info
    }

    /// Versions with an `initialize` handshake: a session (and its sandbox)
    /// lives as long as the connection.
    fn supported_protocol_versions(&self) -> std::borrow::Cow<'static, [ProtocolVersion]> {
        std::borrow::Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::LATEST_WITH_INITIALIZE))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let tools: Vec<Tool> =
            TOOLS.iter().map(|t| serde_json::from_value(tools::listing(t)).expect("a tool")).collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, McpError> {
        context.peer.set_peer_info(request.clone());
        if self.wants_roots(&context.peer) {
            // Until the roots are granted (once the client says it is
            // initialized), tool calls wait.
            self.ready.send_replace(false);
        }
        self.negotiate_initialize(&request)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let _ = self.ready.subscribe().wait_for(|ready| *ready).await;
        let Some(tool) = tools::find(&request.name) else {
            return Err(McpError::invalid_params(format!("Unknown tool: {}", request.name), None));
        };
        let args = match Args::bind(tool, request.arguments) {
            Ok(a) => a,
            Err(e) => return Ok(to_result(Err(e)).into()),
        };
        let session = self.session.clone();
        let answer = tokio::task::spawn_blocking(move || {
            let mut session = session.lock().unwrap_or_else(|p| p.into_inner());
            (tool.run)(&mut session, &args)
        })
        .await
        .map_err(|e| McpError::internal_error(format!("the tool failed: {e}"), None))?;
        Ok(to_result(answer).into())
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        self.adopt_roots(context).await;
    }

    async fn on_roots_list_changed(&self, context: NotificationContext<RoleServer>) {
        self.adopt_roots(context).await;
    }
}
