//! Running a program every way and comparing what it did.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The ways a program runs: a name, and the flags after `berth run FILE`.
/// The first is the reference the others are compared with.
pub const MODES: [(&str, &[&str]); 5] = [
    ("interp", &["--interp"]),
    ("jit", &[]),
    ("no-escape", &["--no-escape"]),
    ("no-inline", &["--no-inline"]),
    ("oracle", &["--escape-oracle"]),
];

/// How long one run may take before it counts as hanging.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The `berth` binary.
#[derive(Clone, Debug)]
pub struct Berth {
    pub exe: PathBuf,
}

/// What one run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    /// The exit status; `None` if killed by a signal or the timeout.
    pub status: Option<i32>,
    /// Under the oracle: the report, when it says a decision was unsound.
    pub unsound: Option<String>,
}

/// How a program's runs disagree: the modes that differ from the
/// reference, with a description. Two divergences of the same modes are
/// taken for the same bug while minimising.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    pub modes: Vec<&'static str>,
    pub description: String,
}

impl Berth {
    /// The `berth` binary beside the running executable (as cargo places
    /// binaries of one workspace), or the one `BERTH` names.
    pub fn beside_current_exe() -> Result<Berth, String> {
        if let Some(exe) = std::env::var_os("BERTH") {
            return Ok(Berth { exe: exe.into() });
        }
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        let dir = me.parent().ok_or("the executable has no directory")?;
        for candidate in [dir.join("berth"), dir.join("../berth")] {
            if candidate.exists() {
                return Ok(Berth { exe: candidate });
            }
        }
        Err(format!("no berth binary beside {} (build it with cargo build -p berth-cli, or set BERTH)", me.display()))
    }

    /// Whether the program type-checks.
    pub fn checks(&self, file: &Path) -> bool {
        Command::new(&self.exe)
            .arg("check")
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    pub fn run(&self, file: &Path, flags: &[&str]) -> Outcome {
        let oracle = flags.contains(&"--escape-oracle");
        let (stdout, stderr, status) =
            run_with_timeout(Command::new(&self.exe).arg("run").arg(file).args(flags).env("BERTH_OUTBOX", "/dev/null"));
        let unsound = oracle.then(|| unsound_report(&stderr)).flatten();
        Outcome { stdout, status, unsound }
    }

    /// Runs the program every way; `None` when all agree.
    pub fn divergence(&self, file: &Path) -> Option<Divergence> {
        let outcomes: Vec<Outcome> = MODES.iter().map(|(_, flags)| self.run(file, flags)).collect();
        compare(&outcomes)
    }
}

/// The modes whose outcome differs from the reference's, and how.
pub fn compare(outcomes: &[Outcome]) -> Option<Divergence> {
    let reference = &outcomes[0];
    let mut modes = Vec::new();
    let mut description = String::new();
    for ((name, _), outcome) in MODES.iter().zip(outcomes).skip(1) {
        if let Some(report) = &outcome.unsound {
            modes.push(*name);
            description.push_str(&format!("{name}: unsound decision:\n{report}\n"));
        } else if outcome.stdout != reference.stdout || outcome.status != reference.status {
            modes.push(*name);
            description.push_str(&format!(
                "{name}: exit status {:?} (interp {:?}), stdout {}\n",
                outcome.status,
                reference.status,
                first_difference(&reference.stdout, &outcome.stdout),
            ));
        }
    }
    if reference.status.is_none() {
        modes.push("interp");
        description.push_str("interp: killed or timed out\n");
    }
    (!modes.is_empty()).then_some(Divergence { modes, description })
}

fn first_difference(expected: &str, actual: &str) -> String {
    if expected == actual {
        return "the same".into();
    }
    let line = expected.lines().zip(actual.lines()).position(|(e, a)| e != a);
    match line {
        Some(i) => format!(
            "differs at line {}: interp {:?}, here {:?}",
            i + 1,
            expected.lines().nth(i).unwrap_or_default(),
            actual.lines().nth(i).unwrap_or_default()
        ),
        None => format!("has {} lines, interp {}", actual.lines().count(), expected.lines().count()),
    }
}

/// The oracle's report, if it ends by calling the program unsound.
fn unsound_report(stderr: &str) -> Option<String> {
    let start = stderr.find("escape oracle: ")?;
    let report = &stderr[start..];
    report.trim_end().ends_with("UNSOUND").then(|| report.to_string())
}

/// Runs a command, killing it after [`TIMEOUT`]; its stdout, stderr and
/// exit status.
fn run_with_timeout(command: &mut Command) -> (String, String, Option<i32>) {
    let child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return (String::new(), format!("cannot run berth: {e}"), None),
    };
    // Read both pipes on threads so a chatty program cannot fill one and
    // stall.
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    (text(out_reader.join().unwrap_or_default()), text(err_reader.join().unwrap_or_default()), status)
}
