# English pages write dates the Vietnamese way too (dd/mm/yyyy): the same formats.
from chinhquyenso.formats.vi.formats import *  # noqa: F403
