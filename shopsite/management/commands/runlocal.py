import os
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from shopsite import localdb, tables
from shopsite.streams import StreamReader


def _job_follow(*, path: str, every: float, stop: threading.Event) -> None:
    """Run the scheduled job *path* every *every* seconds, as Zappa's schedule does on AWS."""
    job = import_string(path)
    while not stop.wait(every):
        try:
            job()
        except Exception as error:  # noqa: BLE001 - DynamoDB Local restarting: try again at the next tick
            print(f"{path}: {type(error).__name__}")


class Command(BaseCommand):
    help = (
        "Start DynamoDB Local (data in .data/dynamodb), create missing tables, seed the demo "
        "catalog when it is empty, and serve the site on 127.0.0.1; stop DynamoDB Local on exit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--noreload", action="store_true", help="Do not restart on code changes.")

    def handle(self, *args, port, noreload, **options):
        # Django's autoreloader runs this command again in a child process
        # (RUN_MAIN=true); only the parent owns DynamoDB Local.
        child = os.environ.get("RUN_MAIN") == "true"
        process = None
        stop = threading.Event()
        if not child:
            db_port = int(os.environ.get("DYNAMODB_PORT", "8001"))
            data_dir = settings.BASE_DIR / ".data"
            self.stdout.write(f"Starting DynamoDB Local on port {db_port} (data in {data_dir / 'dynamodb'}) ...")
            try:
                process = localdb.start(
                    port=db_port, db_path=data_dir / "dynamodb", log_path=data_dir / "dynamodb.log"
                )
            except localdb.LocalDBError as error:
                raise CommandError(str(error)) from error
        try:
            if not child:
                unchanged = 0
                try:
                    for line in tables.tables_converge():  # a quiet start: only what changed, then a count
                        if line.endswith(": already as configured"):
                            unchanged += 1
                        else:
                            self.stdout.write(f"  {line}")
                except tables.IndexStuck as stuck:
                    raise CommandError(str(stuck)) from stuck
                if unchanged:
                    self.stdout.write(f"  {unchanged} tables already as configured")
                call_command("seed_demo", if_empty=True, stdout=self.stdout)
                if not localdb.port_free(port):
                    raise CommandError(f"Port {port} is already in use: stop what runs there or set PORT.")
                # What Lambda's event source mappings do on AWS: apply the tables' streams (the dashboard's
                # tallies, spread stock shown). From the oldest record kept: consumers skip what they applied.
                reader = StreamReader(start="TRIM_HORIZON")
                threading.Thread(target=reader.follow, kwargs={"stop": stop}, daemon=True, name="streams").start()
                # What the schedules do on AWS: queued email requests ("forgot password") go out, webhook
                # deliveries are retried when due.
                for path, every in settings.LOCAL_JOBS.items():
                    threading.Thread(target=_job_follow, kwargs={"path": path, "every": every, "stop": stop},
                                     daemon=True, name=path).start()
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=not noreload)
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            if process is not None:
                self.stdout.write("Stopping DynamoDB Local ...")
                localdb.stop(process)
