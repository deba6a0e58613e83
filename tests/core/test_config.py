import subprocess
import sys
from pathlib import Path

import pytest

from core.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def settings_from(tmp_path: Path, **environ: str) -> Settings:
    return load_settings({"INSTANCE_DIR": str(tmp_path), **environ})


def test_defaults_run_the_service_locally_with_sqlite_and_the_file_transport(tmp_path: Path) -> None:
    settings = settings_from(tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'channelcast.db'}"
    assert settings.mail_transport == "file"
    assert settings.outbox_dir == tmp_path / "outbox"
    assert settings.public_base_url == "http://127.0.0.1:5000"
    assert settings.log_format == "text"


def test_development_secret_is_generated_once_and_reused(tmp_path: Path) -> None:
    first = settings_from(tmp_path)
    second = settings_from(tmp_path)
    assert first.secret_key_is_dev
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("environ", "variable", "hint"),
    [
        ({"MAIL_TRANSPORT": "pigeon"}, "MAIL_TRANSPORT", "file, smtp, sendgrid"),
        ({"MAIL_TRANSPORT": "sendgrid"}, "SENDGRID_API_KEY", "set the API key"),
        ({"PUBLIC_BASE_URL": "channelcast.example.com"}, "PUBLIC_BASE_URL", "https://"),
        ({"SENDGRID_API_HOST": "ftp://sendgrid"}, "SENDGRID_API_HOST", "https://"),
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL", "postgresql+psycopg://"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL", "sqlite:///"),
        ({"SMTP_PORT": "twenty-five"}, "SMTP_PORT", "1 to 65535"),
        ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS", "true or false"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT", "text, json"),
        ({"FALLBACK_LOCALES": "en,klingon"}, "FALLBACK_LOCALES", "en, nl, de, fr, sv, pl"),
        ({"FALLBACK_LOCALES": "en,en"}, "FALLBACK_LOCALES", "distinct languages"),
        ({"APP_ENV": "production"}, "SECRET_KEY", "long random value"),
        ({"APP_ENV": "production", "SECRET_KEY": "short"}, "SECRET_KEY", "long random value"),
        ({"STORAGE_URL": "ftp://files.example/x"}, "STORAGE_URL", "s3://bucket-name"),
        ({"STORAGE_URL": "s3://Bad_Bucket/x"}, "STORAGE_URL", "s3://bucket-name"),
        ({"STORAGE_URL": "file:///srv/a", "STORAGE_DIR": "/srv/b"}, "STORAGE_DIR", "STORAGE_URL=file:///srv/b"),
        ({"STORAGE_DOWNLOADS": "email"}, "STORAGE_DOWNLOADS", "stream, presigned"),
        ({"S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL", "http"),
        ({"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"}, "AWS_SECRET_ACCESS_KEY", "set both AWS keys"),
    ],
)
def test_bad_settings_stop_start_up_with_a_line_naming_the_variable_and_the_fix(
    tmp_path: Path, environ: dict[str, str], variable: str, hint: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, **environ)
    message = str(caught.value)
    assert caught.value.variable == variable
    assert message.startswith(f"config error: {variable} ")
    assert hint in message
    assert "\n" not in message


def test_production_refuses_the_generated_development_secret(tmp_path: Path) -> None:
    dev_secret = settings_from(tmp_path).secret_key
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        settings_from(tmp_path, APP_ENV="production", SECRET_KEY=dev_secret)


def test_production_with_a_real_secret_uses_secure_defaults(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, APP_ENV="production", SECRET_KEY="x" * 48)
    assert settings.is_production
    assert settings.log_format == "json"


def test_plain_postgresql_urls_use_psycopg_3(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, DATABASE_URL="postgresql://app@db.internal:5432/channelcast")
    assert settings.database_url == "postgresql+psycopg://app@db.internal:5432/channelcast"


def test_settings_can_come_from_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"INSTANCE_DIR={tmp_path}\nMAIL_FROM=Partner News <news@vendor.example>\n")
    monkeypatch.delenv("MAIL_FROM", raising=False)
    settings = load_settings(dotenv=dotenv)
    assert settings.mail_from == "Partner News <news@vendor.example>"


@pytest.mark.slow
def test_flask_cli_with_an_unknown_transport_exits_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "MAIL_TRANSPORT": "pigeon", "INSTANCE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == ["config error: MAIL_TRANSPORT is 'pigeon', not a known value; use one of: file, smtp, sendgrid"]
    assert "Traceback" not in result.stdout + result.stderr


def test_fallback_languages_default_to_english_and_none_leaves_only_the_items_own() -> None:
    base = {"APP_ENV": "test", "SECRET_KEY": "x" * 40}
    assert load_settings(base).fallback_locales == ("en",)
    assert load_settings({**base, "FALLBACK_LOCALES": "de, en"}).fallback_locales == ("de", "en")
    assert load_settings({**base, "FALLBACK_LOCALES": "none"}).fallback_locales == ()


def test_files_default_to_a_directory_in_the_instance_folder(tmp_path: Path) -> None:
    assert settings_from(tmp_path).storage_url == f"file://{tmp_path / 'storage'}"
    assert settings_from(tmp_path, STORAGE_URL="file:///srv/files/").storage_url == "file:///srv/files"


def test_the_deprecated_storage_dir_still_names_the_directory(tmp_path: Path) -> None:
    assert settings_from(tmp_path, STORAGE_DIR=str(tmp_path / "old")).storage_url == f"file://{tmp_path / 'old'}"


def test_an_s3_bucket_with_a_prefix_an_endpoint_and_keys(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        STORAGE_URL="s3://partner-files/channelcast/",
        S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_DEFAULT_REGION="eu-central-1",
    )
    assert settings.storage_url == "s3://partner-files/channelcast"
    assert settings.s3_endpoint_url == "http://127.0.0.1:9000"
    assert (settings.aws_access_key_id, settings.aws_region) == ("AKIAEXAMPLE", "eu-central-1")
