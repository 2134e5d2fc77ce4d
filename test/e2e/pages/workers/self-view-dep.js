self.__dep = { loaded: true, stack: String(new Error().stack).split('\n')[0] };
