"""Django's Redis cache, with one redis client kept per server instead of one
made for every cache call.

Django's RedisCacheClient.get_client builds a new redis.Redis for each get,
set or get_many; building one fills a table of about 170 response callbacks,
which cost about a third of a millisecond of CPU, two or three times on every
page (the session, the user's rights). A redis.Redis is only a front to its
connection pool (it takes a connection per command), so keeping it is safe;
Django keeps a cache object per thread anyway."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # connection pool index -> redis.Redis

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options)
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
