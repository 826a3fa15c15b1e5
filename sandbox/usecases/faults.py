"""Injected faults of a project (`/sandbox/faults`): the next matching `/api/v1` requests wait and/or answer
as told (sandbox/domain/faults.py checks them and the pipeline asks it before any state change)."""


def add_fault(sb, project, body):
    """POST /sandbox/faults: the new fault, created on the project's clock."""
    return sb.faults.add(project, body, sb.now(project))


def list_faults(sb, project):
    return sb.faults.list(project["id"])


def clear_faults(sb, project):
    """DELETE /sandbox/faults: how many faults went."""
    return sb.faults.clear(project["id"])


def get_fault(sb, project, fault_id):
    return sb.faults.get(project["id"], fault_id)


def remove_fault(sb, project, fault_id):
    """DELETE /sandbox/faults/{id}: one fault went (or Fault not found)."""
    sb.faults.remove(project["id"], fault_id)
    return 1
