//! The tools `osbox mcp` offers, in one table: each tool's name, title,
//! description, parameters and hints, from which its JSON schemas and its
//! `tools/list` entry are generated, and the function that runs it.
//!
//! The first fourteen are the reference filesystem server's
//! (`@modelcontextprotocol/server-filesystem`), with its names, arguments
//! and result shapes; `python_os` is osbox's own.

use serde_json::{Map, Value, json};

use osbox::{Error, ErrorKind};

use super::files;
use super::session::Session;
use super::witdoc;

/// The type of one argument, as its JSON schema states it.
#[derive(Clone, Copy)]
pub enum Ty {
    Str,
    Num,
    Bool,
    /// An array of strings, with at least this many items.
    Strs(usize),
    /// One of these strings.
    Choice(&'static [&'static str]),
    /// `edit_file`'s `[{oldText, newText}]`.
    Edits,
    Array,
    Object,
}

/// One argument of a tool.
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// The default, as JSON text.
    pub default: Option<&'static str>,
    pub description: Option<&'static str>,
}

const fn req(name: &'static str, ty: Ty) -> Param {
    Param { name, ty, required: true, default: None, description: None }
}

const fn opt(name: &'static str, ty: Ty, default: Option<&'static str>, description: Option<&'static str>) -> Param {
    Param { name, ty, required: false, default, description }
}

/// What a tool does to the files, for the MCP annotations.
#[derive(Clone, Copy, PartialEq)]
pub enum Effect {
    Reads,
    /// Writes: whether it may destroy data, whether repeating it is harmless.
    Writes {
        destructive: bool,
        idempotent: bool,
    },
}

/// The shape of a tool's structured result.
#[derive(Clone, Copy, PartialEq)]
pub enum Output {
    /// `{content: string}`, the text of the one text block.
    Text,
    /// `{content: [image, audio or resource block]}`.
    Media,
    /// The protocol's response object, `{ok}` or `{error}` (no schema).
    Response,
}

/// What a tool gives back.
pub enum Answer {
    Text(String),
    /// One media content block.
    Media(Value),
    /// A `python_os` response: `{ok: ...}` or `{error: {...}}`.
    Response(Value, bool),
}

/// A tool: its `tools/list` entry and how to run it.
pub struct Tool {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    pub effect: Effect,
    pub output: Output,
    pub run: fn(&mut Session, &Args) -> Result<Answer, Error>,
}

const PATH: Param = req("path", Ty::Str);
const HEAD_TAIL: [Param; 3] = [
    PATH,
    opt("tail", Ty::Num, None, Some("If provided, returns only the last N lines of the file")),
    opt("head", Ty::Num, None, Some("If provided, returns only the first N lines of the file")),
];
const EXCLUDES: Param = opt("excludePatterns", Ty::Strs(0), Some("[]"), None);
const READS: Effect = Effect::Reads;

/// Every tool, in the order `tools/list` gives them.
pub static TOOLS: &[Tool] = &[
    Tool {
        name: "read_file",
        title: "Read File (Deprecated)",
        description: "Read the complete contents of a file as text. DEPRECATED: Use read_text_file instead.",
        params: &HEAD_TAIL,
        effect: READS,
        output: Output::Text,
        run: files::read_text_file,
    },
    Tool {
        name: "read_text_file",
        title: "Read Text File",
        description: "Read the complete contents of a file from the file system as text (UTF-8; bytes that are not \
            UTF-8 read as U+FFFD). Use this tool when you need to examine the contents of a single file. Use the \
            'head' parameter to read only the first N lines of a file, or the 'tail' parameter to read only the last \
            N lines of a file. Operates on the file as text regardless of extension. Only works within allowed \
            directories.",
        params: &HEAD_TAIL,
        effect: READS,
        output: Output::Text,
        run: files::read_text_file,
    },
    Tool {
        name: "read_media_file",
        title: "Read Media File",
        description: "Read a file and return it as a base64-encoded content block with its MIME type. Image and audio \
            files are returned as image/audio content; any other file type is returned as an embedded resource. Only \
            works within allowed directories.",
        params: &[PATH],
        effect: READS,
        output: Output::Media,
        run: files::read_media_file,
    },
    Tool {
        name: "read_multiple_files",
        title: "Read Multiple Files",
        description: "Read the contents of multiple files simultaneously. This is more efficient than reading files \
            one by one when you need to analyze or compare multiple files. Each file's content is returned with its \
            path as a reference. Failed reads for individual files won't stop the entire operation. Only works within \
            allowed directories.",
        params: &[Param {
            description: Some(
                "Array of file paths to read. Each path must be a string pointing to a valid file within allowed \
                 directories.",
            ),
            ..req("paths", Ty::Strs(1))
        }],
        effect: READS,
        output: Output::Text,
        run: files::read_multiple_files,
    },
    Tool {
        name: "write_file",
        title: "Write File",
        description: "Create a new file or completely overwrite an existing file with new content. Use with caution \
            as it will overwrite existing files without warning. The new content replaces the old in one rename, so \
            a failed write leaves the old file as it was. Only works within allowed directories.",
        params: &[PATH, req("content", Ty::Str)],
        effect: Effect::Writes { destructive: true, idempotent: true },
        output: Output::Text,
        run: files::write_file,
    },
    Tool {
        name: "edit_file",
        title: "Edit File",
        description: "Make line-based edits to a text file. Each edit replaces exact line sequences with new content. \
            Returns a git-style diff showing the changes made. Only works within allowed directories.",
        params: &[
            PATH,
            req("edits", Ty::Edits),
            opt("dryRun", Ty::Bool, Some("false"), Some("Preview changes using git-style diff format")),
        ],
        effect: Effect::Writes { destructive: true, idempotent: false },
        output: Output::Text,
        run: files::edit_file,
    },
    Tool {
        name: "create_directory",
        title: "Create Directory",
        description: "Create a new directory or ensure a directory exists. Can create multiple nested directories in \
            one operation. If the directory already exists, this operation will succeed silently. Perfect for setting \
            up directory structures for projects or ensuring required paths exist. Only works within allowed \
            directories.",
        params: &[PATH],
        effect: Effect::Writes { destructive: false, idempotent: true },
        output: Output::Text,
        run: files::create_directory,
    },
    Tool {
        name: "list_directory",
        title: "List Directory",
        description: "Get a detailed listing of all files and directories in a specified path. Results clearly \
            distinguish between files and directories with [FILE] and [DIR] prefixes. This tool is essential for \
            understanding directory structure and finding specific files within a directory. Only works within \
            allowed directories.",
        params: &[PATH],
        effect: READS,
        output: Output::Text,
        run: files::list_directory,
    },
    Tool {
        name: "list_directory_with_sizes",
        title: "List Directory with Sizes",
        description: "Get a detailed listing of all files and directories in a specified path, including sizes. \
            Results clearly distinguish between files and directories with [FILE] and [DIR] prefixes. This tool is \
            useful for understanding directory structure and finding specific files within a directory. Only works \
            within allowed directories.",
        params: &[
            PATH,
            opt("sortBy", Ty::Choice(&["name", "size"]), Some("\"name\""), Some("Sort entries by name or size")),
        ],
        effect: READS,
        output: Output::Text,
        run: files::list_directory_with_sizes,
    },
    Tool {
        name: "directory_tree",
        title: "Directory Tree",
        description: "Get a recursive tree view of files and directories as a JSON structure. Each entry includes \
            'name', 'type' (file/directory), and 'children' for directories. Files have no children array, while \
            directories always have a children array (which may be empty). The output is formatted with 2-space \
            indentation for readability. Only works within allowed directories.",
        params: &[PATH, EXCLUDES],
        effect: READS,
        output: Output::Text,
        run: files::directory_tree,
    },
    Tool {
        name: "move_file",
        title: "Move File",
        description: "Move or rename files and directories. Can move files between directories and rename them in a \
            single operation. If the destination exists, the operation will fail. Works across different directories \
            and can be used for simple renaming within the same directory. Both source and destination must be \
            within allowed directories.",
        params: &[req("source", Ty::Str), req("destination", Ty::Str)],
        effect: Effect::Writes { destructive: true, idempotent: false },
        output: Output::Text,
        run: files::move_file,
    },
    Tool {
        name: "search_files",
        title: "Search Files",
        description: "Recursively search for files and directories matching a pattern. The patterns should be \
            glob-style patterns that match paths relative to the working directory. Use pattern like '*.ext' to match \
            files in current directory, and '**/*.ext' to match files in all subdirectories. Returns full paths to all \
            matching items. Great for finding files when you don't know their exact location. Only searches within \
            allowed directories.",
        params: &[PATH, req("pattern", Ty::Str), EXCLUDES],
        effect: READS,
        output: Output::Text,
        run: files::search_files,
    },
    Tool {
        name: "get_file_info",
        title: "Get File Info",
        description: "Retrieve detailed metadata about a file or directory. Returns comprehensive information \
            including size, creation time, last modified time, permissions, and type. This tool is perfect for \
            understanding file characteristics without reading the actual content. Only works within allowed \
            directories.",
        params: &[PATH],
        effect: READS,
        output: Output::Text,
        run: files::get_file_info,
    },
    Tool {
        name: "list_allowed_directories",
        title: "List Allowed Directories",
        description: "Returns the list of directories that this server is allowed to access. Subdirectories within \
            these allowed directories are also accessible. Read-only directories are marked (read-only). Use this to \
            understand which directories and their nested paths are available before trying to access files.",
        params: &[],
        effect: READS,
        output: Output::Text,
        run: files::list_allowed_directories,
    },
    Tool {
        name: "python_os",
        title: "Python os, shutil, tempfile, subprocess",
        description: PYTHON_OS_INTRO,
        params: &[
            Param {
                description: Some("The dotted Python name: os.*, os.path.*, shutil.*, tempfile.*, subprocess.*, ..."),
                ..req("call", Ty::Str)
            },
            opt("args", Ty::Array, Some("[]"), Some("Positional arguments, in the protocol's JSON encoding")),
            opt("kwargs", Ty::Object, Some("{}"), Some("Keyword arguments by their Python names")),
        ],
        effect: Effect::Writes { destructive: true, idempotent: false },
        output: Output::Response,
        run: files::python_os,
    },
];

/// The opening of `python_os`'s description; the list of calls, each with
/// its WIT documentation, follows it (see [`describe`]).
const PYTHON_OS_INTRO: &str = "Call a function of Python's os, os.path, shutil, tempfile, subprocess (programs the \
    operator granted), time, platform or sys inside the sandbox, with CPython 3.11's semantics: the same answers and \
    the same exceptions (class, errno, strerror, filenames). Every call of a session runs in one sandbox, so the \
    current directory, environment and open file descriptors carry from call to call. Request: {\"call\": \
    \"os.makedirs\", \"args\": [\"a/b\"], \"kwargs\": {\"exist_ok\": true}}; attributes such as os.sep are read with \
    no args. Answer: {\"ok\": value} or {\"error\": {\"type\", \"errno\", \"strerror\", \"filename\", \"filename2\", \
    \"message\"}} (an error answer is a tool error). bytes are {\"$bytes\": \"<base64>\"}, os.stat_result is \
    {\"$stat\": {...}}, iterators (walk, scandir) come as arrays. Paths are the sandbox's own; nothing outside the \
    allowed directories exists.";

/// A tool's description: its own text, and for `python_os` every call it
/// offers with the first sentence of that call's WIT documentation.
pub fn describe(tool: &Tool) -> String {
    if tool.output != Output::Response {
        return tool.description.to_string();
    }
    let mut text = format!("{}\n\nCalls:", tool.description);
    for call in osbox::exec::callables() {
        text.push_str("\n- ");
        match witdoc::doc_for(call) {
            Some(doc) => text.push_str(witdoc::summary(doc)),
            None => text.push_str(call),
        }
    }
    text
}

const SCHEMA: &str = "http://json-schema.org/draft-07/schema#";

fn type_schema(ty: Ty) -> Value {
    match ty {
        Ty::Str => json!({"type": "string"}),
        Ty::Num => json!({"type": "number"}),
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Strs(0) => json!({"type": "array", "items": {"type": "string"}}),
        Ty::Strs(min) => json!({"minItems": min, "type": "array", "items": {"type": "string"}}),
        Ty::Choice(values) => json!({"type": "string", "enum": values}),
        Ty::Edits => json!({"type": "array", "items": {
            "type": "object",
            "properties": {
                "oldText": {"type": "string", "description": "Text to search for - must match exactly"},
                "newText": {"type": "string", "description": "Text to replace with"},
            },
            "required": ["oldText", "newText"],
            "additionalProperties": false,
        }}),
        Ty::Array => json!({"type": "array"}),
        Ty::Object => json!({"type": "object"}),
    }
}

/// The tool's input schema (draft-07, as the reference server's SDK writes it).
pub fn input_schema(tool: &Tool) -> Map<String, Value> {
    let mut properties = Map::new();
    for p in tool.params {
        let mut schema = Map::new();
        if let Some(d) = p.default {
            schema.insert("default".into(), serde_json::from_str(d).expect("a JSON default"));
        }
        if let Some(d) = p.description {
            schema.insert("description".into(), d.into());
        }
        if let Value::Object(t) = type_schema(p.ty) {
            schema.extend(t);
        }
        properties.insert(p.name.into(), Value::Object(schema));
    }
    let required: Vec<&str> = tool.params.iter().filter(|p| p.required).map(|p| p.name).collect();
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if !tool.params.is_empty() {
        // Unknown arguments are refused (a TypeError, as in Python).
        schema["additionalProperties"] = false.into();
    }
    schema["$schema"] = SCHEMA.into();
    let Value::Object(m) = schema else { unreachable!() };
    m
}

/// The tool's output schema, when its result has a fixed shape.
pub fn output_schema(tool: &Tool) -> Option<Map<String, Value>> {
    let content = match tool.output {
        Output::Text => json!({"type": "string"}),
        Output::Response => return None,
        Output::Media => json!({"type": "array", "items": {"anyOf": [
            {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["image", "audio"]},
                    "data": {"type": "string"},
                    "mimeType": {"type": "string"},
                },
                "required": ["type", "data", "mimeType"],
                "additionalProperties": false,
            },
            {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "const": "resource"},
                    "resource": {
                        "type": "object",
                        "properties": {"uri": {"type": "string"}, "mimeType": {"type": "string"}, "blob": {"type": "string"}},
                        "required": ["uri", "blob"],
                        "additionalProperties": false,
                    },
                },
                "required": ["type", "resource"],
                "additionalProperties": false,
            },
        ]}}),
    };
    let Value::Object(m) = json!({
        "type": "object",
        "properties": {"content": content},
        "required": ["content"],
        "$schema": SCHEMA,
        "additionalProperties": false,
    }) else {
        unreachable!()
    };
    Some(m)
}

/// The tool's MCP annotations.
pub fn annotations(tool: &Tool) -> Value {
    match tool.effect {
        Effect::Reads => json!({"readOnlyHint": true, "openWorldHint": false}),
        Effect::Writes { destructive, idempotent } => json!({
            "readOnlyHint": false,
            "destructiveHint": destructive,
            "idempotentHint": idempotent,
            "openWorldHint": false,
        }),
    }
}

/// The `tools/list` entry of a tool.
pub fn listing(tool: &Tool) -> Value {
    let mut entry = json!({
        "name": tool.name,
        "title": tool.title,
        "description": describe(tool),
        "inputSchema": input_schema(tool),
        "annotations": annotations(tool),
    });
    if let Some(out) = output_schema(tool) {
        entry["outputSchema"] = Value::Object(out);
    }
    entry
}

pub fn find(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.name == name)
}

/// A tool's arguments, checked against its parameters the way Python
/// binds keyword arguments: a missing one, an unknown one or one of the
/// wrong type is a `TypeError` and nothing runs.
pub struct Args {
    values: Map<String, Value>,
}

fn type_error(message: String) -> Error {
    Error::new(ErrorKind::Type, message)
}

impl Args {
    pub fn bind(tool: &Tool, given: Option<Map<String, Value>>) -> Result<Args, Error> {
        let mut values = given.unwrap_or_default();
        for key in values.keys() {
            if !tool.params.iter().any(|p| p.name == key) {
                return Err(type_error(format!("{}() got an unexpected keyword argument '{key}'", tool.name)));
            }
        }
        for p in tool.params {
            match values.get(p.name) {
                None | Some(Value::Null) if p.required => {
                    return Err(type_error(format!("{}() missing required argument: '{}'", tool.name, p.name)));
                }
                None | Some(Value::Null) => {
                    values.remove(p.name);
                    if let Some(d) = p.default {
                        values.insert(p.name.into(), serde_json::from_str(d).expect("a JSON default"));
                    }
                }
                Some(v) => check(tool.name, p, v)?,
            }
        }
        Ok(Args { values })
    }

    pub fn str(&self, name: &str) -> &str {
        self.values.get(name).and_then(Value::as_str).unwrap_or_default()
    }

    pub fn num(&self, name: &str) -> Option<f64> {
        self.values.get(name).and_then(Value::as_f64)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.values.get(name).and_then(Value::as_bool).unwrap_or(false)
    }

    pub fn strs(&self, name: &str) -> Vec<String> {
        let items = self.values.get(name).and_then(Value::as_array);
        items.into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

fn check(tool: &str, p: &Param, v: &Value) -> Result<(), Error> {
    let wrong = |what: &str| type_error(format!("{tool}() argument '{}' must be {what}", p.name));
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    match p.ty {
        Ty::Str if !v.is_string() => Err(wrong("a string")),
        Ty::Num if !v.is_number() => Err(wrong("a number")),
        Ty::Bool if !v.is_boolean() => Err(wrong("a boolean")),
        Ty::Strs(_) if !strings(v) => Err(wrong("an array of strings")),
        Ty::Strs(min) if v.as_array().is_some_and(|a| a.len() < min) => {
            Err(Error::new(ErrorKind::Value, format!("{tool}() argument '{}' needs at least {min} item", p.name)))
        }
        Ty::Choice(values) if !values.iter().any(|c| v.as_str() == Some(c)) => {
            Err(wrong(&format!("one of {}", values.join(", "))))
        }
        Ty::Edits => {
            let edit = |e: &Value| {
                e.get("oldText").is_some_and(Value::is_string) && e.get("newText").is_some_and(Value::is_string)
            };
            match v.as_array() {
                Some(a) if a.iter().all(edit) => Ok(()),
                _ => Err(wrong("an array of {oldText, newText} strings")),
            }
        }
        Ty::Array if !v.is_array() => Err(wrong("an array")),
        Ty::Object if !v.is_object() => Err(wrong("an object")),
        _ => Ok(()),
    }
}
