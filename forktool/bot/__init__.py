"""The fork bot: ``forktool ci init`` (the workflow files) and ``forktool ci run`` (a run
over the upstreams that proposes each newer release on a branch of the fork repository,
with a title and a Markdown body for the forge's pull request or issue)."""
