//! A mutation fuzzer for the whole check-and-fix pipeline. It mutates the fixture files (and
//! random bytes) and checks, for every input: no panic; checking only the parts a codemod can
//! match finds what checking the whole file does (in a file that parses); the fix loop ends (no
//! "did not converge"); a file that parsed still parses after fixing; a second fix changes
//! nothing.
//! Failing inputs are written to `fuzz/crashes/` to become regression fixtures.
//!
//! `cargo run --release --example fuzz -- --seconds 3600` (or `--iterations N`, `--seed S`).

use perfopt::api::{check_source, check_whole_source, fix_source};
use perfopt::codemods::ALL;
use perfopt::fix::Applicability;
use perfopt::parse::{parse, syntax_error_count};
use perfopt::settings::CodemodOptions;
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic for a seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Snippets that steer mutations towards what the codemods match.
const SNIPPETS: &[&str] = &[
    "async ",
    "await ",
    "requests.get(url)",
    "requests.post(u, json=x).json()",
    "time.sleep(1)",
    "import requests\n",
    "import time\n",
    "from requests import get\n",
    "(",
    ")",
    "[",
    "]",
    ":",
    "\n",
    "\r\n",
    "\t",
    "    ",
    "#",
    "\"",
    "'",
    "\"\"\"",
    "lambda: ",
    "r.ok",
    "if r:\n",
    "with requests.Session() as s:\n",
    "except requests.HTTPError:\n",
    "subprocess.run(x)",
    "Path(p).read_text()",
    "open(p)",
    "@app.get(\"/\")\n",
    "request: Request, ",
    "user=Depends(get_user), ",
    "  # user\n",
    "def health",
    ") -> dict[str, int]:",
    "app = FastAPI()\n",
    "é",
    "\u{feff}",
    "yield ",
    "global x\n",
    "x for x in y",
    ",",
    "=",
    "\\\n",
];

fn mutate(rng: &mut Rng, input: &str, corpus: &[String]) -> String {
    let mut text = input.to_string();
    for _ in 0..1 + rng.below(4) {
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let at = boundaries[rng.below(boundaries.len())];
        match rng.below(8) {
            0 | 1 => text.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]),
            2 => {
                let end = boundaries[(boundaries.iter().position(|&b| b == at).unwrap()
                    + rng.below(20))
                .min(boundaries.len() - 1)];
                text.replace_range(at..end, "");
            }
            3 => {
                // Duplicate or drop a whole line.
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let i = rng.below(lines.len());
                    let mut out: Vec<&str> = lines.clone();
                    if rng.below(2) == 0 {
                        out.insert(i, lines[i])
                    } else {
                        out.remove(i);
                    }
                    text = out.concat();
                }
            }
            4 => {
                // Splice a line from another file.
                let other = &corpus[rng.below(corpus.len())];
                let lines: Vec<&str> = other.split_inclusive('\n').collect();
                if let Some(line) = lines.get(rng.below(lines.len())) {
                    text.insert_str(at, line);
                }
            }
            5 => text = text.replace('\n', "\r\n").replace("\r\r\n", "\r\n"),
            6 => text = text.replace("    ", "\t"),
            _ => {
                let bytes: String = (0..1 + rng.below(8))
                    .map(|_| (rng.below(95) as u8 + 32) as char)
                    .collect();
                text.insert_str(at, &bytes);
            }
        }
    }
    text
}

/// Checks one input; `Ok(true)` when fixes changed it, `Err` describes the property that failed.
fn check(
    input: &str,
    enabled: &BTreeSet<&'static str>,
    options: &CodemodOptions,
) -> Result<bool, String> {
    let parsed_before = parse(input).is_some_and(|t| syntax_error_count(&t) == 0);
    // Around a syntax error the parser's recovery depends on what it sees: only a file that
    // parses must give the same findings in part.
    let parses = parse(input).is_some_and(|t| !t.root_node().has_error());
    if parses
        && format!("{:?}", check_source(input, enabled, options))
            != format!("{:?}", check_whole_source(input, enabled, options))
    {
        return Err("checking in part finds something else than checking the whole file".into());
    }
    let fixed =
        fix_source(input, enabled, options, Applicability::Unsafe).map_err(|e| e.to_string())?;
    if parsed_before && parse(&fixed.text).is_none_or(|t| syntax_error_count(&t) != 0) {
        return Err("the fixed text does not parse".into());
    }
    let again = fix_source(&fixed.text, enabled, options, Applicability::Unsafe)
        .map_err(|e| format!("second fix: {e}"))?;
    if again.text != fixed.text {
        return Err("a second fix changed the text".into());
    }
    Ok(fixed.text != input)
}

fn main() {
    let mut seconds = None;
    let mut iterations = None;
    let mut seed = 0x5eed_u64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        match pair[0].as_str() {
            "--seconds" => seconds = value.parse().ok(),
            "--iterations" => iterations = value.parse().ok(),
            "--seed" => seed = value.parse().unwrap_or(seed),
            other => panic!("unknown argument {other}; use --seconds N, --iterations N, --seed S"),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = Vec::new();
    for folder in std::fs::read_dir(root.join("codemods")).unwrap() {
        for file in std::fs::read_dir(folder.unwrap().path()).unwrap() {
            corpus.push(std::fs::read_to_string(file.unwrap().path()).unwrap());
        }
    }
    let crashes: PathBuf = root.join("fuzz/crashes");
    let enabled: BTreeSet<&'static str> = ALL.iter().map(|c| c.meta().code).collect();
    let options = CodemodOptions::default();
    let deadline = seconds.map(|s| Instant::now() + Duration::from_secs(s));
    let mut rng = Rng(seed | 1);
    let (mut runs, mut failures, mut fixed, mut slowest) = (0u64, 0u64, 0u64, Duration::ZERO);
    std::panic::set_hook(Box::new(|_| {}));
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) || iterations.is_some_and(|n| runs >= n) {
            break;
        }
        if deadline.is_none() && iterations.is_none() && runs >= 10_000 {
            break;
        }
        let input = if rng.below(50) == 0 {
            // Arbitrary bytes, kept only when they are UTF-8 (non-UTF-8 is rejected before parsing).
            let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            let base = corpus[rng.below(corpus.len())].clone();
            mutate(&mut rng, &base, &corpus)
        };
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| check(&input, &enabled, &options)))
            .unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(format!("panic: {message}"))
            });
        let elapsed = started.elapsed();
        slowest = slowest.max(elapsed);
        let outcome = if elapsed > Duration::from_secs(5) {
            Err(format!("slow: {elapsed:?}"))
        } else {
            outcome
        };
        runs += 1;
        fixed += u64::from(outcome == Ok(true));
        if let Err(reason) = outcome {
            failures += 1;
            std::fs::create_dir_all(&crashes).unwrap();
            let path = crashes.join(format!("case-{seed:x}-{runs}.py"));
            std::fs::write(&path, &input).unwrap();
            eprintln!("FAIL {}: {reason}", path.display());
        }
    }
    println!("fuzz: {runs} inputs ({fixed} changed by fixes), slowest {slowest:?}");
    println!("fuzz: {} passed, {failures} failed", runs - failures);
    std::process::exit(i32::from(failures > 0));
}
