use super::*;
use crate::db::on_tx;
use crate::test_db::{each_backend, new_learner};

const LEASE: i64 = 15_000;
const SHARE: Share = Share {
    capacity: 10,
    per_client: 4,
};
const GPU: Needs = Needs {
    gpu: true,
    cpu: false,
};
const CPU: Needs = Needs {
    gpu: false,
    cpu: true,
};
const BOTH: Needs = Needs {
    gpu: true,
    cpu: true,
};

fn job<'a>(id: &'a str, needs: Needs, learner: Option<i64>, client: &'a str) -> NewJob<'a> {
    NewJob {
        id,
        kind: "experiment",
        params: "{}",
        needs,
        owner: JobOwner { learner, client },
        followed_until_ms: T0 + 60_000,
    }
}

const T0: i64 = 1_700_000_000_000;

async fn admit(db: &Db, job: NewJob<'_>) -> Result<(), Refused> {
    enqueue(db, job, SHARE, T0).await.unwrap()
}

async fn state(db: &Db, id: &str) -> String {
    view(db, id).await.unwrap().expect("a job").state
}

/// Saves a run row inside the finish transaction, as the worker will.
async fn finish_with_run(db: &Db, id: &str, attempt: i64) -> Result<(), JobError> {
    let mut tx = begin_finish(db, id, attempt, T0, None).await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO runs (id, learner_id, kind, title, adapter, result) VALUES ($1, NULL, 'experiment', 't', 'a', '{}')",
        )
        .bind(id)
        .execute(&mut *conn)
        .await?;
    });
    tx.commit().await?;
    Ok(())
}

async fn runs_saved(db: &Db, id: &str) -> i64 {
    on_db!(db, pool => sqlx::query_scalar("SELECT count(*) FROM runs WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn a_learner_waits_once_a_client_has_its_share_and_the_queue_a_capacity() {
    each_backend(|db| async move {
        let ada = new_learner(&db).await;
        assert_eq!(
            admit(&db, job("a1", GPU, Some(ada), "10.0.0.1")).await,
            Ok(())
        );
        assert_eq!(
            admit(&db, job("a2", GPU, Some(ada), "10.0.0.9")).await,
            Err(Refused::OwnerBusy),
            "one waiting job per learner, from any network"
        );
        let ada_elsewhere = JobOwner {
            learner: Some(ada),
            client: "10.0.0.9",
        };
        assert_eq!(
            room(&db, ada_elsewhere, SHARE).await.unwrap(),
            Err(Refused::OwnerBusy),
            "room says what admission would"
        );
        // Once it runs, the learner may queue the next one.
        let claimed = claim(&db, "w1", BOTH, T0, LEASE).await.unwrap().unwrap();
        assert_eq!(claimed.id, "a1");
        assert_eq!(
            admit(&db, job("a2", GPU, Some(ada), "10.0.0.1")).await,
            Ok(())
        );

        // Cookie-less requests from one client: its share, then refused.
        for i in 0..2 {
            let id = format!("anon{i}");
            assert_eq!(admit(&db, job(&id, CPU, None, "10.0.0.1")).await, Ok(()));
        }
        assert_eq!(
            admit(&db, job("anon2", CPU, None, "10.0.0.1")).await,
            Err(Refused::ClientBusy { jobs: 4 })
        );
        // The queue's capacity counts waiting jobs of everyone.
        for i in 0..7 {
            let id = format!("other{i}");
            let client = format!("10.0.1.{i}");
            assert_eq!(admit(&db, job(&id, CPU, None, &client)).await, Ok(()));
        }
        assert_eq!(
            admit(&db, job("late", CPU, None, "10.0.2.1")).await,
            Err(Refused::Full {
                waiting: 10,
                capacity: 10
            })
        );
        assert!(
            view(&db, "late").await.unwrap().is_none(),
            "nothing written"
        );
        // Ahead of a CPU job: the two earlier CPU jobs, not the GPU ones.
        assert_eq!(view(&db, "other0").await.unwrap().unwrap().ahead, 2);
    })
    .await;
}

#[tokio::test]
async fn workers_claim_first_come_first_served_on_the_devices_they_have() {
    each_backend(|db| async move {
        let ada = new_learner(&db).await;
        admit(&db, job("gpu-first", GPU, Some(ada), "10.0.0.1"))
            .await
            .unwrap();
        admit(&db, job("cpu-second", CPU, None, "10.0.0.2"))
            .await
            .unwrap();
        let cpu_only = claim(&db, "cpu-box", CPU, T0, LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            cpu_only.id, "cpu-second",
            "a CPU worker passes over GPU jobs"
        );
        assert_eq!(cpu_only.attempt, 1);
        let gpu = claim(&db, "gpu-box", GPU, T0, LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(gpu.id, "gpu-first", "the oldest first");
        assert_eq!(gpu.learner_id, Some(ada));
        // Ada queues again while her first job runs, before someone else:
        // hers waits for her running one, and the later job goes first.
        admit(&db, job("ada-next", GPU, Some(ada), "10.0.0.1"))
            .await
            .unwrap();
        admit(&db, job("gpu-later", GPU, None, "10.0.0.3"))
            .await
            .unwrap();
        let next = claim(&db, "gpu-box-2", GPU, T0, LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.id, "gpu-later");
        assert_eq!(claim(&db, "gpu-box-3", GPU, T0, LEASE).await.unwrap(), None);
        finish_with_run(&db, "gpu-first", 1).await.unwrap();
        let hers = claim(&db, "gpu-box-3", GPU, T0, LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(hers.id, "ada-next");
    })
    .await;
}

#[tokio::test]
async fn concurrent_workers_never_claim_the_same_job() {
    each_backend(|db| async move {
        for i in 0..6 {
            let (id, client) = (format!("j{i}"), format!("10.0.0.{i}"));
            admit(&db, job(&id, GPU, None, &client)).await.unwrap();
        }
        let workers = (0..12).map(|w| {
            let db = db.clone();
            tokio::spawn(async move {
                let worker = format!("w{w}");
                claim(&db, &worker, GPU, T0, LEASE)
                    .await
                    .unwrap()
                    .map(|c| c.id)
            })
        });
        let mut claimed = Vec::new();
        for w in workers.collect::<Vec<_>>() {
            claimed.extend(w.await.unwrap());
        }
        claimed.sort();
        assert_eq!(
            claimed,
            ["j0", "j1", "j2", "j3", "j4", "j5"],
            "each job once"
        );
    })
    .await;
}

#[tokio::test]
async fn an_expired_lease_requeues_once_in_place_then_fails_and_fences_the_zombie() {
    each_backend(|db| async move {
        admit(&db, job("sweep", GPU, None, "10.0.0.1"))
            .await
            .unwrap();
        let first = claim(&db, "worker-a", GPU, T0, LEASE)
            .await
            .unwrap()
            .unwrap();
        assert!(!heartbeat(&db, "sweep", first.attempt, T0 + 10_000, LEASE)
            .await
            .unwrap());
        progress(&db, "sweep", first.attempt, r#"{"done":1}"#)
            .await
            .unwrap();
        // The heartbeat moved the lease: nothing to reap at the old deadline.
        assert_eq!(reap(&db, T0 + LEASE + 1).await.unwrap(), Reaped::default());
        // Worker A dies; a newer job arrives; the lease runs out.
        admit(&db, job("newer", GPU, None, "10.0.0.2"))
            .await
            .unwrap();
        let reaped = reap(&db, T0 + 10_000 + LEASE + 1).await.unwrap();
        assert_eq!(reaped.requeued, 1);
        let back = view(&db, "sweep").await.unwrap().unwrap();
        assert_eq!(
            (back.state.as_str(), back.ahead, back.progress),
            ("queued", 0, None)
        );
        let second = claim(&db, "worker-b", GPU, T0 + 30_000, LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (second.id.as_str(), second.attempt),
            ("sweep", 2),
            "its old place"
        );

        // The zombie wakes up: every write of attempt 1 is refused.
        let zombie = Fenced { attempt: 1 };
        let beat = heartbeat(&db, "sweep", 1, T0 + 31_000, LEASE).await;
        assert!(matches!(beat, Err(JobError::Fenced(f)) if f == zombie));
        let late = progress(&db, "sweep", 1, "{}").await;
        assert!(matches!(late, Err(JobError::Fenced(_))));
        let finish = finish_with_run(&db, "sweep", 1).await;
        assert!(matches!(finish, Err(JobError::Fenced(_))));
        assert_eq!(runs_saved(&db, "sweep").await, 0, "no result of the zombie");

        // Worker B dies too: the second expiry fails the job, clearly.
        let reaped = reap(&db, T0 + 30_000 + LEASE + 1).await.unwrap();
        assert_eq!((reaped.requeued, reaped.failed), (0, 1));
        let failed = view(&db, "sweep").await.unwrap().unwrap();
        assert_eq!(failed.state, "failed");
        assert_eq!(failed.error.as_deref(), Some(LOST_TWICE));
        assert!(matches!(
            finish_with_run(&db, "sweep", 2).await,
            Err(JobError::Fenced(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn a_finish_saves_its_run_once_in_the_same_transaction() {
    each_backend(|db| async move {
        admit(&db, job("run", CPU, None, "10.0.0.1")).await.unwrap();
        let c = claim(&db, "w", CPU, T0, LEASE).await.unwrap().unwrap();
        // A finish whose transaction is dropped (the worker died saving)
        // leaves the job running and no run.
        drop(begin_finish(&db, "run", c.attempt, T0, None).await.unwrap());
        assert_eq!(state(&db, "run").await, "running");
        assert_eq!(runs_saved(&db, "run").await, 0);
        finish_with_run(&db, "run", c.attempt).await.unwrap();
        assert_eq!(state(&db, "run").await, "done");
        assert!(
            finish_with_run(&db, "run", c.attempt).await.is_err(),
            "twice"
        );
        assert_eq!(runs_saved(&db, "run").await, 1);
        assert!(fail(&db, "run", c.attempt, "late", T0).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn cancel_dequeues_a_waiting_job_and_asks_a_running_one_to_stop() {
    each_backend(|db| async move {
        let ada = new_learner(&db).await;
        let her = JobOwner {
            learner: Some(ada),
            client: "10.0.0.1",
        };
        let stranger = JobOwner {
            learner: None,
            client: "10.0.0.1",
        };
        admit(&db, job("running", GPU, Some(ada), "10.0.0.1"))
            .await
            .unwrap();
        let c = claim(&db, "w", GPU, T0, LEASE).await.unwrap().unwrap();
        admit(&db, job("waiting", GPU, Some(ada), "10.0.0.1"))
            .await
            .unwrap();

        assert_eq!(
            cancel(&db, "waiting", stranger, T0).await.unwrap(),
            Cancel::NotFound
        );
        // From her phone, on another network: still hers.
        let phone = JobOwner {
            client: "192.0.2.7",
            ..her
        };
        assert_eq!(
            cancel(&db, "waiting", phone, T0).await.unwrap(),
            Cancel::Dequeued
        );
        assert_eq!(state(&db, "waiting").await, "cancelled");
        assert_eq!(
            cancel(&db, "running", her, T0).await.unwrap(),
            Cancel::Asked
        );
        assert!(
            heartbeat(&db, "running", c.attempt, T0, LEASE)
                .await
                .unwrap(),
            "the worker hears it"
        );
        assert_eq!(
            cancel(&db, "waiting", her, T0).await.unwrap(),
            Cancel::NotFound
        );

        admit(&db, job("anon", CPU, None, "10.0.0.5"))
            .await
            .unwrap();
        let elsewhere = JobOwner {
            learner: None,
            client: "10.0.0.6",
        };
        assert_eq!(
            cancel(&db, "anon", elsewhere, T0).await.unwrap(),
            Cancel::NotFound
        );
        let same = JobOwner {
            learner: None,
            client: "10.0.0.5",
        };
        assert_eq!(
            cancel(&db, "anon", same, T0).await.unwrap(),
            Cancel::Dequeued
        );
    })
    .await;
}

#[tokio::test]
async fn jobs_nobody_follows_are_cancelled_and_finished_ones_pruned() {
    each_backend(|db| async move {
        admit(&db, job("watched", GPU, None, "10.0.0.1"))
            .await
            .unwrap();
        admit(&db, job("left", GPU, None, "10.0.0.2"))
            .await
            .unwrap();
        admit(&db, job("left-running", CPU, None, "10.0.0.3"))
            .await
            .unwrap();
        let running = claim(&db, "w", CPU, T0, LEASE).await.unwrap().unwrap();
        let later = T0 + 120_000;
        follow(&db, "watched", later + 60_000).await.unwrap();
        // Leases are kept fresh; only following has lapsed.
        heartbeat(&db, &running.id, running.attempt, later, LEASE)
            .await
            .unwrap();
        let reaped = reap(&db, later).await.unwrap();
        assert_eq!(reaped.abandoned, 2, "{reaped:?}");
        assert_eq!(state(&db, "watched").await, "queued");
        assert_eq!(state(&db, "left").await, "cancelled");
        let asked = view(&db, "left-running").await.unwrap().unwrap();
        assert!(asked.cancel_requested && asked.state == "running");

        assert_eq!(
            prune(&db, later + 10_000, 60_000).await.unwrap(),
            0,
            "too recent"
        );
        assert_eq!(prune(&db, later + 70_000, 60_000).await.unwrap(), 1);
        assert!(view(&db, "left").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn followers_read_many_jobs_at_once_and_a_finish_keeps_its_answer() {
    each_backend(|db| async move {
        for (id, client) in [("t1", "10.0.0.1"), ("t2", "10.0.0.2")] {
            admit(&db, job(id, GPU, None, client)).await.unwrap();
        }
        let ids: Vec<String> = ["t1", "t2", "unknown"].map(String::from).into();
        let mut seen = views(&db, &ids).await.unwrap();
        seen.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(
            seen.iter()
                .map(|v| (v.id.as_str(), v.ahead))
                .collect::<Vec<_>>(),
            [("t1", 0), ("t2", 1)]
        );
        // Followed far ahead: the reaper leaves both alone.
        follow_many(&db, &ids, T0 + 3_600_000).await.unwrap();
        assert_eq!(reap(&db, T0 + 60_000).await.unwrap(), Reaped::default());
        let c = claim(&db, "w", GPU, T0, LEASE).await.unwrap().unwrap();
        begin_finish(&db, &c.id, c.attempt, T0, Some(r#"{"ms":1}"#))
            .await
            .unwrap()
            .commit()
            .await
            .unwrap();
        let done = view(&db, "t1").await.unwrap().unwrap();
        assert_eq!(
            (done.state.as_str(), done.result.as_deref()),
            ("done", Some(r#"{"ms":1}"#))
        );
        // A stopped job is cancelled; its zombie cannot stop it twice.
        let c = claim(&db, "w", GPU, T0, LEASE).await.unwrap().unwrap();
        stopped(&db, &c.id, c.attempt, T0).await.unwrap();
        assert_eq!(view(&db, "t2").await.unwrap().unwrap().state, "cancelled");
        assert!(stopped(&db, &c.id, c.attempt, T0).await.is_err());
        assert_eq!(counts(&db).await.unwrap(), (0, 0));
        // A job waiting past the deadline fails; a newer one keeps waiting.
        admit(&db, job("old", GPU, None, "10.0.0.3")).await.unwrap();
        jobs_admit_at(&db, job("new", GPU, None, "10.0.0.4"), T0 + 60_000).await;
        assert_eq!(
            expire_waiting(&db, T0 + 61_000, 30_000, "late")
                .await
                .unwrap(),
            1
        );
        let old = view(&db, "old").await.unwrap().unwrap();
        assert_eq!(
            (old.state.as_str(), old.error.as_deref()),
            ("failed", Some("late"))
        );
        assert_eq!(view(&db, "new").await.unwrap().unwrap().state, "queued");
    })
    .await;
}

async fn jobs_admit_at(db: &Db, job: NewJob<'_>, now: i64) {
    enqueue(db, job, SHARE, now).await.unwrap().unwrap();
}
