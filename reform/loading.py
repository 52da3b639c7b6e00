"""Idempotent loading: create what is missing, update what differs, count both."""

from dataclasses import dataclass, field


@dataclass
class LoadResult:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)

    def count(self, name, *, created=0, updated=0):
        self.created[name] = self.created.get(name, 0) + created
        self.updated[name] = self.updated.get(name, 0) + updated

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def lines(self):
        for name in self.created:
            yield name, self.created[name], self.updated.get(name, 0)


def upsert(model, lookup: dict, values: dict, result: LoadResult, name: str):
    """The row matching `lookup`, created with `values` or updated to them; counted in `result`."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        result.count(name, created=1)
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for k in changed:
            setattr(obj, k, values[k])
        obj.save(update_fields=changed)
        result.count(name, updated=1)
    return obj
