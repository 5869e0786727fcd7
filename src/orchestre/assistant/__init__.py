"""The assistant: AI that plans, writes, answers and explains, with the workspace's own
model (any OpenAI-compatible endpoint) or with none (the offline assistant). Every output
is a draft; nothing leaves the machine unless the workspace enabled a provider."""
