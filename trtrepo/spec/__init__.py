"""models.yaml: strict YAML, a JSON schema plus semantic rules, and the frozen specs they become.

``load`` reads and validates a file (every problem at once, each naming the file, the model and the
field); ``model`` holds the resulting dataclasses; ``schema`` the structure and the pure rules;
``messages`` the wording of problems; ``yaml_source`` the strict YAML reader.
"""

from trtrepo.spec.load import Project, load_project, merge_defaults, model_spec_from_record
from trtrepo.spec.model import Dim, DynamicBatching, ModelSpec, TensorSpec

__all__ = ["Dim", "DynamicBatching", "ModelSpec", "Project", "TensorSpec", "load_project", "merge_defaults",
           "model_spec_from_record"]
