//! A log that Python can read while it grows: timestamped records appended
//! to one `.npy` file with `serde_npy::Appender`, flushed every few records.
//! After each flush the file is exactly what `np.save` writes for the records
//! so far, so at any moment
//!
//! ```python
//! a = np.load("log.npy")
//! a["t_ns"].astype("datetime64[ns]"), a["level"], a["value"], a["msg"]
//! ```
//!
//! gives every record flushed until then (and a process killed mid-way
//! leaves a file that loads the same way).
//!
//! Run with `cargo run --example append_log [PATH]`. With a path, the log is
//! created there, or continued if the file exists; without one, it goes to a
//! temporary directory that is removed at the end.

use std::error::Error;
use std::fs::File;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_npy::{AppendOptions, Appender, Dtype};

/// One log record, as it is appended.
#[derive(Serialize)]
struct Entry<'a> {
    /// Nanoseconds since the Unix epoch (`datetime64[ns]` once cast).
    t_ns: i64,
    level: u8,
    value: f32,
    msg: &'a str,
}

/// One log record, as it is read back.
#[derive(Deserialize, Debug)]
struct Record {
    t_ns: i64,
    level: u8,
    value: f32,
    msg: String,
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

const MESSAGES: [&str; 4] = ["sensor ok", "reading", "threshold crossed", "recalibrated"];

/// Appends `n` records, flushing every `every`, and reads the file back
/// after each flush as another process would.
fn session(
    log: &mut Appender<File>,
    path: &PathBuf,
    n: usize,
    every: usize,
) -> Result<(), Box<dyn Error>> {
    for i in 0..n {
        let k = log.len();
        log.append(&Entry {
            t_ns: now_ns(),
            level: (k % 3) as u8,
            value: (k as f32 * 0.1).sin(),
            msg: MESSAGES[k % MESSAGES.len()],
        })?;
        if (i + 1) % every == 0 {
            log.flush()?;
            // What a reader sees now: every record flushed so far.
            let seen: Vec<Record> = serde_npy::from_reader(File::open(path)?)?;
            assert_eq!(seen.len(), log.len());
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let (path, temp_dir) = match std::env::args_os().nth(1) {
        Some(p) => (PathBuf::from(p), None),
        None => {
            let dir =
                std::env::temp_dir().join(format!("serde-npy-append-log-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            (dir.join("log.npy"), Some(dir))
        }
    };

    // Fixed up front: the message column holds up to 24 characters, whatever
    // the first message's length.
    let dtype: Dtype =
        "[('t_ns', '<i8'), ('level', 'u1'), ('value', '<f4'), ('msg', '<U24')]".parse()?;
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    let mut log = if file.metadata()?.len() == 0 {
        AppendOptions::new().dtype(dtype.clone()).create(file)?
    } else {
        // An existing log must hold these records, or it is refused.
        AppendOptions::new().dtype(dtype.clone()).open(file)?
    };
    let before = log.len();
    session(&mut log, &path, 50, 10)?;
    log.finish()?;

    // A later run (or another process after this one) continues the file.
    let file = File::options().read(true).write(true).open(&path)?;
    let mut log = AppendOptions::new().dtype(dtype).open(file)?;
    session(&mut log, &path, 30, 5)?;
    let total = log.len();
    log.finish()?;

    let records: Vec<Record> = serde_npy::from_reader(File::open(&path)?)?;
    assert_eq!(records.len(), total);
    let last = &records[total - 1];
    println!(
        "{} records in {} ({} were there before), the last: {last:?}",
        total,
        path.display(),
        before
    );
    println!(
        "in Python: a = np.load({:?}); a['t_ns'].astype('datetime64[ns]')",
        path.display().to_string()
    );
    assert!(records.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
    assert!(records
        .iter()
        .all(|r| r.level < 3 && r.value.abs() <= 1.0 && MESSAGES.contains(&r.msg.as_str())));

    if let Some(dir) = temp_dir {
        std::fs::remove_dir_all(dir)?;
    }
    Ok(())
}
