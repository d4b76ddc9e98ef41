//! `failover`: the clients of the failover drill. Run by `bench/failover.sh`, which starts two
//! Discock instances on PostgreSQL joined through Redis behind HAProxy and passes the balancer's
//! address and the process id of the instance to kill; see docs/PERFORMANCE.md#failover-drill.
//!
//! Layout: `drill` (the timeline), `client` (a resuming, resending client), `check` (the audit
//! through the history API), `report` (the Markdown).

#[path = "failover/check.rs"]
mod check;
#[path = "failover/client.rs"]
mod client;
#[path = "failover/drill.rs"]
mod drill;
#[path = "failover/report.rs"]
mod report;

use std::time::Duration;

use drill::Options;

const USAGE: &str = "\
failover: clients join rooms through a load balancer in front of two Discock instances and send at
a steady rate; one instance is killed with SIGKILL mid-run; every client whose socket drops
reconnects through the balancer, resumes its rooms with `since` and resends what was not
acknowledged with the same client_id. Then it checks that every acknowledged message is stored
once and reached every member of its room once, in order, and prints Markdown.
Exits 1 on any violation, 2 when it cannot run. Normally run by bench/failover.sh.

USAGE: failover --lb HOST:PORT --victim-pid PID --victim NAME [FLAGS]

  --lb HOST:PORT       the load balancer
  --victim-pid PID     the instance to SIGKILL
  --victim NAME        its name in the balancer's X-Discock-Backend header
  --clients N          clients, one user each (default 240)
  --rooms N            rooms (default 24)
  --rooms-per-client N (default 2)
  --rate N             messages per second per client (default 1)
  --duration S         seconds of load (default 20)
  --kill-at S          seconds into the load to kill the victim (default 8)
  --jitter-ms N        a dropped client waits a random 0–N ms before reconnecting (default 100)
  --help
";

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        lb: String::new(),
        clients: 240,
        rooms: 24,
        rooms_per_client: 2,
        rate: 1.0,
        duration: Duration::from_secs(20),
        kill_at: Duration::from_secs(8),
        victim_pid: 0,
        victim: String::new(),
        jitter: Duration::from_millis(100),
    };
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|_| format!("{flag}: {value:?} is not a whole number"));
        let positive = || match value.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
            _ => Err(format!("{flag}: {value:?} is not a positive number")),
        };
        let seconds = || positive().map(Duration::from_secs_f64);
        match flag.as_str() {
            "--lb" => options.lb = value,
            "--victim-pid" => {
                options.victim_pid = i32::try_from(number()?).map_err(|_| format!("{flag}: too large"))?
            }
            "--victim" => options.victim = value,
            "--clients" => options.clients = number()? as usize,
            "--rooms" => options.rooms = number()? as usize,
            "--rooms-per-client" => options.rooms_per_client = number()? as usize,
            "--rate" => options.rate = positive()?,
            "--duration" => options.duration = seconds()?,
            "--kill-at" => options.kill_at = seconds()?,
            "--jitter-ms" => options.jitter = Duration::from_millis(number()?),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if options.lb.is_empty() || options.victim.is_empty() || options.victim_pid <= 0 {
        return Err("--lb, --victim and --victim-pid are required".into());
    }
    if options.clients < 2
        || options.rooms == 0
        || options.rooms_per_client == 0
        || options.rooms_per_client > options.rooms
    {
        return Err("needs at least 2 clients, 1 room, and 1 to --rooms rooms per client".into());
    }
    if options.kill_at >= options.duration {
        return Err("--kill-at must fall within --duration".into());
    }
    Ok(Some(options))
}

#[tokio::main]
async fn main() {
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("failover: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    match drill::run(options).await {
        Ok(outcomes) => {
            print!("{}", outcomes.markdown());
            if !outcomes.violations().is_empty() {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("failover: {e}");
            std::process::exit(2);
        }
    }
}
