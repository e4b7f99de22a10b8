# Python twin of examples/stale_cache.cpp: a read-through cache with a writer that
# updates the backend and invalidates the cache.
import asyncio

NETWORK_DELAY = 0.01
READ_INTERVAL = 0.05
SETTLE_TIME = 0.1


class Journal:
    def note(self, text):
        print('{}: {}'.format(asyncio.current_task().get_name(), text))


class Backend:
    def __init__(self, value, journal):
        self.value = value
        self.journal = journal

    async def fetch(self):
        await asyncio.sleep(NETWORK_DELAY)
        read = self.value
        self.journal.note('backend answers the fetch with ' + read)
        await asyncio.sleep(NETWORK_DELAY)
        return read

    async def update(self, value):
        await asyncio.sleep(NETWORK_DELAY)
        self.value = value
        self.journal.note('backend stores ' + self.value)
        await asyncio.sleep(NETWORK_DELAY)


class Cache:
    def __init__(self, backend, fixed, journal):
        self.backend = backend
        self.fixed = fixed
        self.journal = journal
        self.entry = None
        self.generation = 0

    async def get(self):
        if self.entry is not None:
            self.journal.note('cache hit: ' + self.entry)
            return self.entry
        self.journal.note('cache miss, fetching')
        generation = self.generation
        value = await self.backend.fetch()
        if self.fixed and generation != self.generation:
            self.journal.note('cache drops {} (invalidated during the fetch)'.format(value))
        else:
            self.entry = value
            self.journal.note('cache stores ' + value)
        return value

    def invalidate(self):
        self.entry = None
        self.generation += 1
        self.journal.note('cache invalidated')


async def reader(cache, journal):
    for _ in range(3):
        value = await cache.get()
        journal.note('reader sees ' + value)
        await asyncio.sleep(READ_INTERVAL)


async def writer(backend, cache, value):
    await backend.update(value)
    cache.invalidate()


async def service(fixed, journal):
    asyncio.current_task().set_name('main')
    backend = Backend('v1', journal)
    cache = Cache(backend, fixed, journal)
    reading = asyncio.create_task(reader(cache, journal), name='reader')
    writing = asyncio.create_task(writer(backend, cache, 'v2'), name='writer')
    await reading
    await writing
    await asyncio.sleep(SETTLE_TIME)
    served = await cache.get()
    journal.note('after settling, get() returns {} and the backend holds {}'.format(served, backend.value))
    return served, backend.value


event_loop = asyncio.new_event_loop()
try:
    served, held = event_loop.run_until_complete(service(False, Journal()))
finally:
    event_loop.close()
print('consistent: {}'.format(served == held))
