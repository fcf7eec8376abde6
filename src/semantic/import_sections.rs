//! isort's sections of a module's leading imports (`__future__`, standard library, third party,
//! first party): where an import perfopt adds belongs, so that `import asyncio` joins the standard
//! library imports and `import httpx` the third-party ones, as isort and Ruff's `I001` expect.

use crate::parse::NodeLookups;
use crate::syntax::text;
use tree_sitter::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Future,
    StandardLibrary,
    ThirdParty,
    FirstParty,
}

/// One statement of the leading import block.
#[derive(Debug, Clone)]
pub struct LeadingImport {
    pub start: usize,
    pub end: usize,
    pub section: Section,
    /// isort's order inside a section: plain `import`s first, then by module name.
    pub sort_key: (bool, String),
}

/// The section of an import of `module` (`http.cookiejar`, `.models`), as far as the name tells:
/// a project's own absolute imports look third party here (see `ImportMap::leading`).
pub fn section_of(module: &str) -> Section {
    let top = module.split('.').next().unwrap_or(module);
    if module.starts_with('.') {
        Section::FirstParty
    } else if top == "__future__" {
        Section::Future
    } else if STANDARD_LIBRARY.binary_search(&top).is_ok() {
        Section::StandardLibrary
    } else {
        Section::ThirdParty
    }
}

/// The module an import statement names, and whether it is a `from` import.
pub fn imported_module<'s>(statement: Node, source: &'s str) -> Option<(&'s str, bool)> {
    match statement.kind_name() {
        "import_statement" => {
            let name = statement.field("name")?;
            let name = match name.kind_name() {
                "aliased_import" => name.field("name")?,
                _ => name,
            };
            Some((text(name, source), false))
        }
        "import_from_statement" | "future_import_statement" => Some((
            statement
                .field("module_name")
                .map_or("__future__", |m| text(m, source)),
            true,
        )),
        _ => None,
    }
}

/// The module an import line perfopt writes names (`import a.b`, `from a.b import c`).
pub fn written_module(import: &str) -> (&str, bool) {
    let (rest, is_from) = match import.strip_prefix("from ") {
        Some(rest) => (rest, true),
        None => (import.trim_start_matches("import "), false),
    };
    (rest.split_whitespace().next().unwrap_or(rest), is_from)
}

/// Python 3.11's `sys.stdlib_module_names`, without the private ones, sorted.
const STANDARD_LIBRARY: &[&str] = &[
    "__future__",
    "abc",
    "aifc",
    "antigravity",
    "argparse",
    "array",
    "ast",
    "asynchat",
    "asyncio",
    "asyncore",
    "atexit",
    "audioop",
    "base64",
    "bdb",
    "binascii",
    "bisect",
    "builtins",
    "bz2",
    "cProfile",
    "calendar",
    "cgi",
    "cgitb",
    "chunk",
    "cmath",
    "cmd",
    "code",
    "codecs",
    "codeop",
    "collections",
    "colorsys",
    "compileall",
    "concurrent",
    "configparser",
    "contextlib",
    "contextvars",
    "copy",
    "copyreg",
    "crypt",
    "csv",
    "ctypes",
    "curses",
    "dataclasses",
    "datetime",
    "dbm",
    "decimal",
    "difflib",
    "dis",
    "distutils",
    "doctest",
    "email",
    "encodings",
    "ensurepip",
    "enum",
    "errno",
    "faulthandler",
    "fcntl",
    "filecmp",
    "fileinput",
    "fnmatch",
    "fractions",
    "ftplib",
    "functools",
    "gc",
    "genericpath",
    "getopt",
    "getpass",
    "gettext",
    "glob",
    "graphlib",
    "grp",
    "gzip",
    "hashlib",
    "heapq",
    "hmac",
    "html",
    "http",
    "idlelib",
    "imaplib",
    "imghdr",
    "imp",
    "importlib",
    "inspect",
    "io",
    "ipaddress",
    "itertools",
    "json",
    "keyword",
    "lib2to3",
    "linecache",
    "locale",
    "logging",
    "lzma",
    "mailbox",
    "mailcap",
    "marshal",
    "math",
    "mimetypes",
    "mmap",
    "modulefinder",
    "msilib",
    "msvcrt",
    "multiprocessing",
    "netrc",
    "nis",
    "nntplib",
    "nt",
    "ntpath",
    "nturl2path",
    "numbers",
    "opcode",
    "operator",
    "optparse",
    "os",
    "ossaudiodev",
    "pathlib",
    "pdb",
    "pickle",
    "pickletools",
    "pipes",
    "pkgutil",
    "platform",
    "plistlib",
    "poplib",
    "posix",
    "posixpath",
    "pprint",
    "profile",
    "pstats",
    "pty",
    "pwd",
    "py_compile",
    "pyclbr",
    "pydoc",
    "pydoc_data",
    "pyexpat",
    "queue",
    "quopri",
    "random",
    "re",
    "readline",
    "reprlib",
    "resource",
    "rlcompleter",
    "runpy",
    "sched",
    "secrets",
    "select",
    "selectors",
    "shelve",
    "shlex",
    "shutil",
    "signal",
    "site",
    "smtpd",
    "smtplib",
    "sndhdr",
    "socket",
    "socketserver",
    "spwd",
    "sqlite3",
    "sre_compile",
    "sre_constants",
    "sre_parse",
    "ssl",
    "stat",
    "statistics",
    "string",
    "stringprep",
    "struct",
    "subprocess",
    "sunau",
    "symtable",
    "sys",
    "sysconfig",
    "syslog",
    "tabnanny",
    "tarfile",
    "telnetlib",
    "tempfile",
    "termios",
    "textwrap",
    "this",
    "threading",
    "time",
    "timeit",
    "tkinter",
    "token",
    "tokenize",
    "tomllib",
    "trace",
    "traceback",
    "tracemalloc",
    "tty",
    "turtle",
    "turtledemo",
    "types",
    "typing",
    "unicodedata",
    "unittest",
    "urllib",
    "uu",
    "uuid",
    "venv",
    "warnings",
    "wave",
    "weakref",
    "webbrowser",
    "winreg",
    "winsound",
    "wsgiref",
    "xdrlib",
    "xml",
    "xmlrpc",
    "zipapp",
    "zipfile",
    "zipimport",
    "zlib",
    "zoneinfo",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        assert!(STANDARD_LIBRARY.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(section_of("asyncio"), Section::StandardLibrary);
        assert_eq!(section_of("http.cookiejar"), Section::StandardLibrary);
        assert_eq!(section_of("httpx"), Section::ThirdParty);
        assert_eq!(section_of(".models"), Section::FirstParty);
        assert_eq!(section_of("__future__"), Section::Future);
        assert_eq!(
            written_module("from fastapi_cache.decorator import cache"),
            ("fastapi_cache.decorator", true)
        );
        assert_eq!(
            written_module("import http.cookiejar as jar"),
            ("http.cookiejar", false)
        );
    }
}
