"""The ``clinadvisor`` command line: one group, one module per command family.

Every command that refuses input exits with code 2 and a message naming the offending value and the
valid ones. Commands that talk JSON take ``--json``; batch commands take ``--batch FILE|-`` (CONTRACTS.md).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

import click

from assistant.stage_examples import use_embedder
from index.embeddings import embed_query_or_none
from serving.cli.audit_cmd import audit
from serving.cli.catalog_cmd import catalog
from serving.cli.corpus_cmd import corpus
from serving.cli.extract_cmd import extract_cmd
from serving.cli.llm_cmd import llm
from serving.cli.recommend_cmd import questionnaire, recommend
from serving.cli.search_cmd import index_group, search
from serving.cli.serve_cmd import chat, serve
from serving.cli.size_cmd import size_cmd


def _version() -> str:
    try:
        return package_version("clinical-llm-advisor")
    except PackageNotFoundError:  # running from a source tree that was not installed
        from assistant import __version__

        return __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="clinadvisor")
def cli() -> None:
    """Clinical LLM Advisor: choose, size and justify an LLM for a clinical task.

    Technical guidance only, not medical advice.
    """
    # the stage examples' vote reads the message's vector; a one-off command may wait for the model to load
    use_embedder(embed_query_or_none)


cli.add_command(audit)
cli.add_command(catalog)
cli.add_command(chat)
cli.add_command(corpus)
cli.add_command(extract_cmd)
cli.add_command(index_group)
cli.add_command(llm)
cli.add_command(questionnaire)
cli.add_command(recommend)
cli.add_command(search)
cli.add_command(serve)
cli.add_command(size_cmd)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="clinadvisor")
