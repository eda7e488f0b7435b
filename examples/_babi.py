"""The bAbI tasks for babi_rnn.py and babi_memnn.py: fetching, parsing, and generated stand-ins.

Not an example itself (tests/run_examples.py skips files starting with ``_``).

Facebook's bAbI tasks (Weston et al., "Towards AI-Complete Question
Answering: A Set of Prerequisite Toy Tasks", https://arxiv.org/abs/1502.05698)
come as one tarball, ``tasks_1-20_v1-2.tar.gz``; each task is a text file per
split, e.g. ``tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt``, of
numbered lines: a statement ``"1 Mary moved to the bathroom."`` or a question
``"3 Where is Mary? \\tbathroom\\t1"`` (question, answer and the numbers of the
supporting statements, tab-separated). Numbering restarts at 1 with each
story. Keras's examples read the tarball through ``get_file`` from the
address below, cached as ``babi-tasks-v1-2.tar.gz`` (Keras gives no hash).

:func:`generated_tarball` writes a small tarball of the same layout and line
format, with stories of the same kind, so that ``--smoke`` runs the whole
reading path without the download.
"""

import io
import os
import re
import tarfile
from functools import reduce

ORIGIN = "https://s3.amazonaws.com/text-datasets/babi_tasks_1-20_v1-2.tar.gz"
MANUAL_ORIGIN = "http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz"
FNAME = "babi-tasks-v1-2.tar.gz"


def fetch(data=None):
    """Path of the bAbI tarball: ``data`` when given, else the Keras cache (downloaded on first
    use).

    Raises:
        FileNotFoundError: ``data`` does not exist, or the tarball is neither cached nor
            downloadable; the message names the URL and the path where to put the file.
    """
    from polykeras.utils.data_utils import FetchError, get_file

    if data:
        if not os.path.isfile(data):
            raise FileNotFoundError(f"bAbI: Expected the tarball tasks_1-20_v1-2.tar.gz at "
                                    f"--data. Received: {data!r}, which is not a file.")
        return data
    try:
        return get_file(FNAME, origin=ORIGIN)
    except FetchError as error:
        raise FileNotFoundError(f"{error} (Keras also names {MANUAL_ORIGIN}; either file, put "
                                f"there, or given with --data, works.)") from error


def tokenize(sent):
    """The tokens of a sentence, punctuation included.

    >>> tokenize('Bob dropped the apple. Where is the apple?')
    ['Bob', 'dropped', 'the', 'apple', '.', 'Where', 'is', 'the', 'apple', '?']
    """
    return [x.strip() for x in re.split(r"(\W+)", sent) if x and x.strip()]


def parse_stories(lines, only_supporting=False):
    """``[(substory, question, answer)]`` from the lines (bytes) of a bAbI task file.

    ``substory`` is the list of the tokenized statements before the question
    in its story (with ``only_supporting``, only those the question names as
    supporting); ``question`` its tokens; ``answer`` a string.
    """
    data, story = [], []
    for line in lines:
        line = line.decode("utf-8").strip()
        nid, line = line.split(" ", 1)
        if int(nid) == 1:
            story = []
        if "\t" in line:
            q, a, supporting = line.split("\t")
            q = tokenize(q)
            if only_supporting:
                substory = [story[int(i) - 1] for i in supporting.split()]
            else:
                substory = [x for x in story if x]
            data.append((substory, q, a))
            story.append("")  # questions keep their line number but are not statements
        else:
            story.append(tokenize(line))
    return data


def get_stories(f, only_supporting=False, max_length=None):
    """``[(story_tokens, question_tokens, answer)]`` from an open task file, each story's
    statements flattened into one token list; stories of ``max_length`` tokens or more are
    dropped when ``max_length`` is given."""
    def flatten(sentences):
        return reduce(lambda x, y: x + y, sentences)
    data = parse_stories(f.readlines(), only_supporting=only_supporting)
    return [(flatten(story), q, answer) for story, q, answer in data
            if not max_length or len(flatten(story)) < max_length]


def read_challenge(path, challenge):
    """``(train, test)`` stories of ``challenge`` (a member name with ``{}`` for the split)."""
    with tarfile.open(path) as tar:
        train = get_stories(tar.extractfile(challenge.format("train")))
        test = get_stories(tar.extractfile(challenge.format("test")))
    return train, test


# -- generated stand-ins ----------------------------------------------------------------------

PEOPLE = ("Mary", "John", "Sandra", "Daniel")
PLACES = ("bathroom", "hallway", "kitchen", "office", "garden", "bedroom")
MOVES = ("moved to", "went to", "journeyed to", "travelled to", "went back to")
OBJECTS = ("apple", "football", "milk")
TAKES = ("picked up", "got", "grabbed", "took")
DROPS = ("dropped", "discarded", "put down", "left")


def _single_supporting_fact(rng, questions):
    """Lines of a QA1 story: pairs of moves, then "Where is X?" about someone who moved."""
    lines, where, said = [], {}, {}
    for _ in range(questions):
        for _ in range(2):
            person, place = rng.choice(PEOPLE), rng.choice(PLACES)
            where[person], said[person] = place, len(lines) + 1
            lines.append(f"{person} {rng.choice(MOVES)} the {place}.")
        person = rng.choice(sorted(where))
        lines.append(f"Where is {person}? \t{where[person]}\t{said[person]}")
    return lines


def _two_supporting_facts(rng, questions):
    """Lines of a QA2 story: moves, takes and drops, then "Where is the O?" about an object
    someone holds (the take and the holder's last move support the answer) or dropped."""
    lines, where, moved, holder, taken, lying = [], {}, {}, {}, {}, {}
    for _ in range(questions):
        while True:
            person = rng.choice(PEOPLE)
            held = [o for o in OBJECTS if holder.get(o) == person]
            free = [o for o in OBJECTS if o not in holder]
            if person in where and free and rng.random() < 0.6:
                obj = rng.choice(free)
                holder[obj], taken[obj] = person, len(lines) + 1
                lines.append(f"{person} {rng.choice(TAKES)} the {obj} there.")
            elif held and rng.random() < 0.2:
                obj = rng.choice(held)
                del holder[obj]
                lying[obj] = (where[person], moved[person], len(lines) + 1)
                lines.append(f"{person} {rng.choice(DROPS)} the {obj}.")
            else:
                place = rng.choice(PLACES)
                where[person], moved[person] = place, len(lines) + 1
                lines.append(f"{person} {rng.choice(MOVES)} the {place}.")
            known = sorted(set(holder) | set(lying))
            if known and len(lines) >= 2:
                break
        obj = rng.choice(known)
        if obj in holder:
            person = holder[obj]
            answer, support = where[person], f"{taken[obj]} {moved[person]}"
        else:
            place, move, drop = lying[obj]
            answer, support = place, f"{drop} {move}"
        lines.append(f"Where is the {obj}? \t{answer}\t{support}")
    return lines


_GENERATORS = {"qa1": _single_supporting_fact, "qa2": _two_supporting_facts}


def _task_file(rng, task, questions, per_story=3):
    """The bytes of a task file holding ``questions`` questions, ``per_story`` per story."""
    out = []
    while questions > 0:
        n = min(per_story, questions)
        lines = _GENERATORS[task](rng, n)
        out += [f"{i} {line}" for i, line in enumerate(lines, 1)]
        questions -= n
    return ("\n".join(out) + "\n").encode("utf-8")


def generated_tarball(folder, challenge, train_questions, test_questions, seed=0):
    """Write ``babi-tasks-v1-2.tar.gz`` into ``folder`` with the train and test files of
    ``challenge`` (a member name with ``{}``; QA1 or QA2 stories by its name), generated;
    return its path."""
    import random

    rng = random.Random(seed)
    task = "qa1" if "qa1_" in challenge else "qa2"
    path = os.path.join(folder, FNAME)
    with tarfile.open(path, "w:gz") as tar:
        for split, n in (("train", train_questions), ("test", test_questions)):
            payload = _task_file(rng, task, n)
            info = tarfile.TarInfo(challenge.format(split))
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path
