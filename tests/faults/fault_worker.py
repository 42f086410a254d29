"""`python -m tests.faults.fault_worker`: Sesshu's workflow worker plus the slow service task."""

from tests.faults import slow_step

if __name__ == "__main__":
    from wsgi import app

    slow_step.register()
    app.cli.main(["workflows", "worker", "--interval", "0.5"], prog_name="flask")
