"""Live chat delivery across web processes, against a running server (`ticketdesk run`).

    TICKETDESK_CHAT_START_LIMIT=100000 ticketdesk run --bind 127.0.0.1:8108   # in one shell
    python bench/chat_delivery.py --url http://127.0.0.1:8108 --chats 20 --messages 10

Each chat opens its visitor event stream (server-sent events) and then posts messages on
their own keep-alive connection (as the widget's fetch() does); gunicorn hands the posts to
either web process, so most signals cross from one process to the other through the broker.
The figure is the time from sending a message to reading it on the stream (one way, same
clock), p50/p95/max over every message. --ramp spreads the chats' starts over that many
seconds (visitors do not all arrive in the same second); failed requests are counted, not
raised.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time

import requests

POSTS: list[float] = []  # how long each message's POST took (answered), for comparison


def chat(
    url: str, n: int, messages: int, gap: float, results: list[float], errors: list[str]
) -> None:
    try:
        talk(url, n, messages, gap, results)
    except Exception as error:  # counted: one failed chat does not hide the others' figures
        errors.append(f"{type(error).__name__}: {str(error)[:120]}")


def talk(url: str, n: int, messages: int, gap: float, results: list[float]) -> None:
    session = requests.Session()
    started = session.post(
        f"{url}/chat/w/start/",
        json={"name": f"Bench {n}", "email": f"bench{n}@example.net", "topic": "Bench"},
        timeout=10,
    )
    started.raise_for_status()
    chat_id, token = started.json()["chat"], started.json()["token"]
    sent: dict[str, float] = {}
    seen = threading.Event()
    done = threading.Event()

    def listen() -> None:
        with requests.get(
            f"{url}/chat/w/{chat_id}/events/",
            params={"token": token},
            headers={"Accept": "text/event-stream"},
            stream=True,
            timeout=30,
        ) as stream:
            seen.set()
            for line in stream.iter_lines(decode_unicode=True):
                if not line or not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                at = sent.pop(event.get("text", ""), None)
                if at is not None:
                    results.append(time.monotonic() - at)
                if done.is_set() and not sent:
                    return

    reader = threading.Thread(target=listen, daemon=True)
    reader.start()
    seen.wait(10)
    time.sleep(0.3)
    for i in range(messages):
        text = f"chat {n} message {i}"
        sent[text] = time.monotonic()
        session.post(
            f"{url}/chat/w/{chat_id}/messages/",
            json={"text": text},
            headers={"X-Chat-Token": token},
            timeout=10,
        ).raise_for_status()
        POSTS.append(time.monotonic() - sent.get(text, time.monotonic()))
        time.sleep(gap)
    done.set()
    reader.join(15)
    session.post(f"{url}/chat/w/{chat_id}/end/", headers={"X-Chat-Token": token}, timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--gap", type=float, default=1.1, help="seconds between messages")
    parser.add_argument("--ramp", type=float, default=0.0, help="seconds to start every chat")
    args = parser.parse_args()
    results: list[float] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=chat, args=(args.url, n, args.messages, args.gap, results, errors))
        for n in range(args.chats)
    ]
    for thread in threads:
        thread.start()
        time.sleep(args.ramp / args.chats)
    for thread in threads:
        thread.join()
    ms = sorted(r * 1000 for r in results)
    expected = args.chats * args.messages
    print(f"{len(ms)}/{expected} messages delivered over {args.chats} concurrent chats")
    print(f"{len(errors)} chats failed" + (f", first: {errors[0]}" if errors else ""))
    if ms:
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        print(f"one way p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms")
    posts = sorted(p * 1000 for p in POSTS)
    if posts:
        p95 = posts[min(len(posts) - 1, int(len(posts) * 0.95))]
        print(f"POST answered p50 {statistics.median(posts):.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
