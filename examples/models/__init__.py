"""Example models served by the README's main job (weights are seeded so every load is identical)."""
