"""Command-line tasks: `flask create-admin`, `flask seed-portal`, `flask seed-demo`, `flask alumni import`."""
import click
from sqlalchemy import or_, select

from forum.accounts import services
from forum.extensions import db
from forum.forms import email_refusal
from forum.models import User
from forum.notifications.outbox import commit


def register(app):
    @app.cli.group("alumni")
    def alumni():
        """The alumni roster."""

    @alumni.command("import")
    @click.argument("roster", type=click.Path(exists=True, dir_okay=False))
    @click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
                  help="Where to write the rejected rows (default: ROSTER.errors.csv).")
    def import_command(roster, errors_path):
        """Import or update alumni from a roster CSV (see the README for the columns)."""
        from forum.accounts.roster import import_roster
        with open(roster, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
        rows = max(text.count("\n") - 1, 0)
        with click.progressbar(length=rows, label="Importing", show_pos=True) as bar:
            result = import_roster(text, progress=bar.update)
        click.echo(f"{result.created} created, {result.updated} updated, {len(result.errors)} rejected.")
        if result.errors:
            errors_path = errors_path or f"{roster.rsplit('.', 1)[0]}.errors.csv"
            with open(errors_path, "w", encoding="utf-8", newline="") as handle:
                handle.write(result.error_report())
            for error in result.errors[:20]:
                click.echo(f"  line {error.line}: {error.email} {error.reason}")
            click.echo(f"The rejected rows are listed in {errors_path}.")

    @app.cli.command("seed-portal")
    def seed_portal_command():
        """Create the Code of Conduct and the categories (safe to repeat)."""
        from forum.seed import seed_portal
        created = seed_portal()
        click.echo("Created: " + ", ".join(created) if created else "Nothing to do: already seeded.")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create demo accounts and content once; print how to sign in."""
        from forum.demo import DEMO_ACCOUNTS, seed_demo
        password = seed_demo()
        click.echo(f"\nDemo accounts (password for all: {password})")
        for username, role, *_ in DEMO_ACCOUNTS:
            click.echo(f"  {username:<10} {role}")

    @app.cli.command("create-admin")
    @click.option("--username", prompt=True)
    @click.option("--email", prompt=True)
    @click.option("--name", "display_name", prompt="Display name")
    @click.password_option()
    def create_admin_command(username, email, display_name, password):
        """Create an administrator account, or promote an existing member."""
        user = db.session.scalar(select(User).where(or_(User.username == username.lower(),
                                                        User.email == email.lower())))
        if user is not None:
            user.role = "admin"
            commit()
            click.echo(f"{user.username} is now an administrator.")
            return
        if len(password) < 12:
            raise click.BadParameter("use at least 12 characters", param_hint="password")
        if reason := email_refusal(email):
            raise click.BadParameter(str(reason), param_hint="email")
        services.create_member(username, email, password, display_name, role="admin")
        click.echo(f"Administrator {username.lower()} created.")
