"""models.yaml: strict YAML, a JSON schema plus semantic rules, and the frozen specs they become.

``load`` reads a file into the frozen specs of ``model``; ``validate`` finds every problem at once,
each naming the file and line, the model and the field; ``schema`` holds the structure and the pure
rules, ``coverage`` what sizes no optimization profile covers, ``partial`` how rules run on a model
that is only partly well-formed; ``messages`` the wording of problems; ``yaml_source`` the strict
YAML reader and the line of every value.
"""

from trtrepo.spec.load import Project, load_project, merge_defaults, model_spec_from_record
from trtrepo.spec.model import Dim, DynamicBatching, ModelSpec, TensorSpec

__all__ = ["Dim", "DynamicBatching", "ModelSpec", "Project", "TensorSpec", "load_project", "merge_defaults",
           "model_spec_from_record"]
